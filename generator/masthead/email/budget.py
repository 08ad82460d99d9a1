"""Size budget: Gmail clips a message whose HTML is over about 102 KB."""

from __future__ import annotations

from dataclasses import dataclass

KB = 1024
GMAIL_CLIP = 102 * KB
DEFAULT_BUDGET = 90 * KB


@dataclass(frozen=True)
class BudgetReport:
    html_bytes: int
    style_bytes: int
    limit: int = DEFAULT_BUDGET
    style_limit: int = 16 * KB

    @property
    def problems(self) -> tuple[str, ...]:
        found = []
        if self.html_bytes > self.limit:
            clipped = " (Gmail clips it)" if self.html_bytes > GMAIL_CLIP else ""
            found.append(
                f"email HTML is {self.html_bytes / KB:.1f} KB, over the budget of "
                f"{self.limit / KB:.0f} KB{clipped}"
            )
        if self.style_bytes > self.style_limit:
            found.append(
                f"<style> in <head> is {self.style_bytes / KB:.1f} KB; Gmail drops it over "
                f"{self.style_limit / KB:.0f} KB"
            )
        return tuple(found)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_budget(html: str, style: str, limit: int = DEFAULT_BUDGET) -> BudgetReport:
    return BudgetReport(len(html.encode("utf-8")), len(style.encode("utf-8")), limit)
