"""Industry classification: GB/T 4754 code → work-injury risk class (行业风险类别).

Built-in tables (``list_classifications()``):

* ``cn-mohrss-2015`` — the national 工伤保险行业风险分类表 of 人社部发〔2015〕71号, keyed by
  GB/T 4754-2011 大类 codes 01–96 (membership by name [S], codes [I]; the annex as read in
  the reposts listed in the table's ``source.urls``, e.g. http://m.ddtbk.com/techan/271213.html
  and https://360docs.net/doc/3918510865.html);
* ``cn-mohrss-2015-gbt2017`` — the same classes re-keyed to GB/T 4754-2017 codes 01–97 (every
  row [I]; 59 装卸搬运和仓储业 is ambiguous, 79 土地管理业 has no class).

Typical use::

    from ratefloat.classification import classify
    res = classify(extract, "cn-mohrss-2015-gbt2017", overrides={"59": 2})
    res.frame      # classified rows, risk_class int8
    res.rejects    # unknown / ambiguous / missing codes, with reasons and messages
"""

from .classifier import CLASS_FROM_TABLE, ClassifyResult, classify
from .codes import normalize_code
from .table import (
    MAX_CLASS,
    MIN_CLASS,
    ClassEntry,
    ClassificationSource,
    ClassificationTable,
    list_classifications,
    load_classification,
)

__all__ = [
    "CLASS_FROM_TABLE",
    "MAX_CLASS",
    "MIN_CLASS",
    "ClassEntry",
    "ClassificationSource",
    "ClassificationTable",
    "ClassifyResult",
    "classify",
    "list_classifications",
    "load_classification",
    "normalize_code",
]
