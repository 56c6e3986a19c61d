"""The faces people open: the HTML report and the files beside it.

:func:`render_report` and :func:`write_outputs` render an analysis;
:func:`write_forecast` a forecast; :func:`write_results` a campaign's results. They
render the results the jobs return and hold no logic of their own.
"""

from repeatly.report._format import fmt_money, fmt_number, fmt_share
from repeatly.report._render import (
    html_table,
    render_campaign_report,
    render_forecast_report,
    render_report,
    write_outputs,
)
from repeatly.report._write import ForecastFiles, write_forecast, write_results

__all__ = [
    "ForecastFiles",
    "fmt_money",
    "fmt_number",
    "fmt_share",
    "html_table",
    "render_campaign_report",
    "render_forecast_report",
    "render_report",
    "write_forecast",
    "write_outputs",
    "write_results",
]
