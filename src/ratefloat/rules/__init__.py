"""Rule tables: the pydantic data model, loading and validation, and the built-in tables."""

from .loader import TableInfo, list_tables, load_table, rule_table_json_schema, table_hash
from .model import RuleTable

__all__ = [
    "RuleTable",
    "TableInfo",
    "list_tables",
    "load_table",
    "rule_table_json_schema",
    "table_hash",
]
