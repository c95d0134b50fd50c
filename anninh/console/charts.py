"""Bar charts drawn on the server with matplotlib (Agg, no display), as SVG.

Text is written with DejaVu Sans from matplotlib's own data (it has every Vietnamese letter) and
stored as paths (``svg.fonttype = path``), so the chart reads the same on any phone, without
fonts on the client. Figures are built with ``matplotlib.figure.Figure`` (not pyplot: no global
state, safe in the web server's threads)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

FONT_FILE = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
COLOURS = ("#0b4f8a", "#e0892b", "#2e7d32", "#c62828", "#6a4c93", "#607d8b")


def _font() -> font_manager.FontProperties:
    return font_manager.FontProperties(fname=str(FONT_FILE))


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Tuple[str, Sequence[Optional[float]]]],
              *, width_in: float = 5.0) -> bytes:
    """Horizontal bars: one group per label, one bar per series (name, values); SVG bytes.
    Missing values (None) are drawn as 0 and the table next to the chart shows them empty."""
    font = _font()
    n = max(1, len(labels))
    fig = Figure(figsize=(width_in, 1.0 + 0.42 * n * max(1, len(series))), dpi=96)
    ax = fig.subplots()
    k = max(1, len(series))
    step = 0.8 / k
    for i, (name, values) in enumerate(series):
        ys = [j + (i - (k - 1) / 2) * step for j in range(len(labels))]
        vals = [float(v or 0) for v in values]
        bars = ax.barh(ys, vals, height=step * 0.9, color=COLOURS[i % len(COLOURS)], label=name)
        for bar, v in zip(bars, values):
            if v is not None:
                ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {_fmt(v)}",
                        va="center", fontproperties=font, fontsize=8)
    ax.set_yticks(list(range(len(labels))))
    ax.set_yticklabels(list(labels), fontproperties=font, fontsize=9)
    ax.invert_yaxis()
    for tick in ax.get_xticklabels():
        tick.set_fontproperties(font)
    ax.set_title(title, fontproperties=font, fontsize=11)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.margins(x=0.15)
    top = max([float(v or 0) for _, values in series for v in values] or [0])
    ax.set_xlim(left=0, right=None if top > 0 else 1)
    if len(series) > 1:
        ax.legend(prop=font, fontsize=8, loc="lower right")
    fig.tight_layout()
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "anninh"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _fmt(v: float) -> str:
    return f"{v:g}" if float(v).is_integer() else f"{v:.1f}"

