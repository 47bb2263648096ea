"""Bar and pie charts over cells already written to a sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["Chart", "add_chart"]


@dataclass(frozen=True)
class Chart:
    """A chart of one column of a summary table, by that column's title, against its first column."""

    title: str
    values: str
    kind: Literal["bar", "pie"] = "bar"


def add_chart(
    ws: Worksheet,
    *,
    title: str,
    categories: str,
    values: str,
    anchor: str,
    kind: Literal["bar", "pie"] = "bar",
) -> None:
    """Chart the cells ``values`` (e.g. ``"B12:B17"``) labelled by ``categories`` at ``anchor``.

    Both ranges hold data only, no header; the chart's title names the series.
    """
    chart: BarChart | PieChart
    if kind == "bar":
        chart = BarChart()
        chart.type = "col"
        chart.legend = None  # one series: the title already says what the bars are
        # openpyxl 3.1 marks axes deleted by default and Excel then draws none.
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.majorGridlines = None
    elif kind == "pie":
        chart = PieChart()
    else:
        raise ValueError(f"unknown chart kind {kind!r}")
    chart.title = title
    chart.add_data(_reference(ws, values), titles_from_data=False)
    chart.set_categories(_reference(ws, categories))
    chart.height, chart.width = 7.5, 15.0
    ws.add_chart(chart, anchor)


def _reference(ws: Worksheet, cells: str) -> Reference:
    min_col, min_row, max_col, max_row = range_boundaries(cells)
    return Reference(ws, min_col=min_col, min_row=min_row, max_col=max_col, max_row=max_row)
