"""The faces people open: the HTML report and the files beside it.

:func:`render_report` and :func:`write_outputs` render an analysis;
:func:`write_forecast` a forecast; :func:`write_results` a campaign's results. They
render the results the jobs return and hold no logic of their own.

Names are imported on first use: a command can check its file options
(:class:`ForecastFiles`) before its job runs without loading the page's modules
(pandas, Plotly, Jinja), which then load beside the engine's work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repeatly._lazy import lazy_names

if TYPE_CHECKING:
    from repeatly.report._actions import offer_words
    from repeatly.report._format import fmt_date, fmt_money, fmt_number, fmt_share
    from repeatly.report._i18n import console_text, plural, step_label
    from repeatly.report._prediction import note_text
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
    "console_text",
    "fmt_date",
    "fmt_money",
    "fmt_number",
    "fmt_share",
    "html_table",
    "note_text",
    "offer_words",
    "plural",
    "render_campaign_report",
    "render_forecast_report",
    "render_report",
    "step_label",
    "write_forecast",
    "write_outputs",
    "write_results",
]

__getattr__, __dir__ = lazy_names(
    globals(),
    {
        "console_text": "_i18n",
        "fmt_date": "_format",
        "fmt_money": "_format",
        "fmt_number": "_format",
        "fmt_share": "_format",
        "html_table": "_render",
        "render_campaign_report": "_render",
        "render_forecast_report": "_render",
        "render_report": "_render",
        "step_label": "_i18n",
        "plural": "_i18n",
        "note_text": "_prediction",
        "offer_words": "_actions",
        "write_outputs": "_render",
        "ForecastFiles": "_write",
        "write_forecast": "_write",
        "write_results": "_write",
    },
)
