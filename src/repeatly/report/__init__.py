"""The HTML report: one self-contained file that works offline."""

from repeatly.report._render import (
    html_table,
    render_campaign_report,
    render_forecast_report,
    render_report,
    write_outputs,
)

__all__ = [
    "html_table",
    "render_campaign_report",
    "render_forecast_report",
    "render_report",
    "write_outputs",
]
