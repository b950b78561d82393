"""The office's report: satisfaction with answers, tickets, the questions left unanswered,
and a chart of them (PNG, Chinese labels) for the weekly review."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from handoff.service import HandoffService

log = logging.getLogger(__name__)
# Debian's fonts-wqy-microhei (installed by `make setup`): matplotlib's fonts have no Chinese.
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


@dataclass(frozen=True)
class Report:
    satisfied: int
    unsatisfied: int
    tickets_by_reason: dict[str, int]
    tickets_by_status: dict[str, int]
    unanswered: list[tuple[str, int]]

    @property
    def satisfaction_rate(self) -> float | None:
        rated = self.satisfied + self.unsatisfied
        return self.satisfied / rated if rated else None


def build_report(service: HandoffService, top: int = 10) -> Report:
    satisfied, unsatisfied = service.satisfaction()
    return Report(
        satisfied=satisfied,
        unsatisfied=unsatisfied,
        tickets_by_reason=service.ticket_counts("reason"),
        tickets_by_status=service.ticket_counts("status"),
        unanswered=service.top_unanswered(top),
    )


def draw_chart(report: Report, output: Path) -> Path:
    """Two panels: 满意/不满意 and the most frequent unanswered questions."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    font = next((f for f in CJK_FONTS if f.exists()), None)
    if font is not None:
        font_manager.fontManager.addfont(str(font))
        plt.rcParams["font.family"] = font_manager.FontProperties(fname=str(font)).get_name()
    else:
        log.warning("no Chinese font found (install fonts-wqy-microhei): labels may not render")
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [1, 2]})
    left.bar(["满意", "不满意"], [report.satisfied, report.unsatisfied], color=["#2e7d32", "#c62828"])
    rate = report.satisfaction_rate
    left.set_title(f"回答满意度（{rate:.0%}）" if rate is not None else "回答满意度（暂无评价）")
    questions = [q if len(q) <= 18 else q[:17] + "…" for q, _ in report.unanswered][::-1]
    right.barh(questions or ["（暂无）"], [n for _, n in report.unanswered][::-1] or [0], color="#1565c0")
    right.set_title("未能回答的问题（出现次数）")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=120)
    plt.close(figure)
    return output
