"""The pipeline's operators, importable from one place."""

from sparkify.operators.daily_report import DailyReportOperator
from sparkify.operators.data_quality import DataQualityOperator
from sparkify.operators.load_dimension import LoadDimensionOperator
from sparkify.operators.load_fact import LoadFactOperator
from sparkify.operators.stage_redshift import StageToRedshiftOperator
from sparkify.operators.warehouse_sql import WarehouseSqlOperator

__all__ = [
    "DailyReportOperator",
    "DataQualityOperator",
    "LoadDimensionOperator",
    "LoadFactOperator",
    "StageToRedshiftOperator",
    "WarehouseSqlOperator",
]
