"""Headless Chromium (Debian's `chromium`, installed by `make setup`) as the tests' browser: loads
a page from disk, screenshots it, and reports what the page's console saw.

The report has no script of its own; a copy of the page gets CHECK below at the top of <head>,
which turns console errors, uncaught exceptions and resources that fail to load into console
lines and, after the load event, says for every <img> whether it decoded. Chromium writes every
console message to stderr as `INFO:CONSOLE...] "message"` (`--enable-logging=stderr`)."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TAG = "REPORT-CHECK"
CHECK = f"""<script>
console.error = (...a) => console.log("{TAG} error " + a.join(" "));
window.addEventListener("error", e => console.log("{TAG} error " + (e.message ||
  "failed to load " + (e.target && (e.target.src || e.target.href || e.target.tagName)).slice(0, 80))), true);
window.addEventListener("load", () => {{
  for (const i of document.images) {{
    const where = i.closest("section") ? i.closest("section").id : "-";
    console.log(`{TAG} img ${{where}} ${{i.complete && i.naturalWidth > 0 ? "ok" : "broken"}} ${{i.naturalWidth}}x${{i.naturalHeight}}`);
  }}
  console.log("{TAG} done");
}});
</script>"""
_CONSOLE = re.compile(r':CONSOLE[^\]]*\] "(.*)", source: ')


@dataclass
class Rendered:
    screenshot: Path
    console: list[str]          # every console message, in order
    images: dict[str, list[tuple[bool, int, int]]]   # section id -> (decoded, width, height) per <img>

    @property
    def errors(self) -> list[str]:
        """Console lines that are not the check's own reports: the report has no script, so any
        other message is a script error or a browser complaint."""
        return [c for c in self.console if not c.startswith(TAG) or c.startswith(f"{TAG} error")]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(page: Path, work: Path, width: int = 1100, height: int = 2000) -> Rendered:
    """A copy of `page` with CHECK injected, rendered headless to work/screenshot.png."""
    work.mkdir(parents=True, exist_ok=True)
    checked = work / page.name
    checked.write_text(page.read_text().replace("<head>", "<head>" + CHECK, 1))
    shot = work / "screenshot.png"
    r = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--enable-logging=stderr", "--v=0", f"--window-size={width},{height}",
                        f"--screenshot={shot}", checked.resolve().as_uri()],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and shot.is_file(), f"chromium exited {r.returncode}:\n{r.stderr[-2000:]}"
    console = _CONSOLE.findall(r.stderr)
    images: dict = {}
    for c in console:
        parts = c.split()
        if c.startswith(f"{TAG} img "):
            w, h = map(int, parts[4].split("x"))
            images.setdefault(parts[2], []).append((parts[3] == "ok", w, h))
    return Rendered(shot, console, images)
