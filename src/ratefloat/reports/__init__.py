"""Reports for agencies and the seed, a layer above the engine.

* :func:`key_industries` / :func:`key_industry_report`: the annex 重点行业企业基本情况表
  of 鲁人社字〔2021〕73号, from an employer register, the insured extract and an accident list;
* :func:`key_industry_progress` and :func:`plot_progress`: the key-industry accident rate per
  year against the 2020 baseline and the −20 % target of 2025;
* :func:`publicity_list` and :func:`rate_notices`: the 公示 list of proposed rates and one
  费率浮动告知书 per employer, from a :class:`~ratefloat.RerateResult` and an editable
  template.

The engine never imports this package. Names are loaded on first use, so that the command
line can register the ``report`` commands without importing pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .annex import KeyIndustryReport, annex_columns, key_industries, key_industry_report
    from .industry_map import KeyIndustry, KeyIndustryMap, list_industry_maps, load_industry_map
    from .inputs import ReportRejectReason
    from .notices import NoticeTemplate, load_notice_template, rate_notices, write_notices
    from .progress import key_industry_progress, plot_progress, progress_table
    from .publicity import publicity_list, write_publicity_list

_WHERE = {
    "KeyIndustryReport": "annex",
    "annex_columns": "annex",
    "key_industries": "annex",
    "key_industry_report": "annex",
    "KeyIndustry": "industry_map",
    "KeyIndustryMap": "industry_map",
    "list_industry_maps": "industry_map",
    "load_industry_map": "industry_map",
    "ReportRejectReason": "inputs",
    "NoticeTemplate": "notices",
    "load_notice_template": "notices",
    "rate_notices": "notices",
    "write_notices": "notices",
    "key_industry_progress": "progress",
    "plot_progress": "progress",
    "progress_table": "progress",
    "publicity_list": "publicity",
    "write_publicity_list": "publicity",
}

__all__ = [
    "KeyIndustryReport",
    "annex_columns",
    "key_industries",
    "key_industry_report",
    "KeyIndustry",
    "KeyIndustryMap",
    "list_industry_maps",
    "load_industry_map",
    "ReportRejectReason",
    "NoticeTemplate",
    "load_notice_template",
    "rate_notices",
    "write_notices",
    "key_industry_progress",
    "plot_progress",
    "progress_table",
    "publicity_list",
    "write_publicity_list",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'ratefloat.reports' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
