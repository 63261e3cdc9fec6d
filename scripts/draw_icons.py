"""Draws each app's icon (static/description/icon.png, 128x128): one colour and one glyph per app.

    .venv/bin/python scripts/draw_icons.py

g2p_partner_api: the register (a database) exchanging with a partner (two arrows);
g2p_api_consent: a shield with a tick; g2p_partner_ingest: a tray items drop into;
g2p_dci_search: a magnifying glass over a list of records.
"""

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SIZE = 128
SCALE = 4  # drawn large, then reduced: smooth edges
WHITE = (255, 255, 255, 255)


def _canvas(colour):
    image = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, SIZE * SCALE - 1, SIZE * SCALE - 1), radius=22 * SCALE, fill=colour)
    return image, draw


def _s(*values):
    return tuple(v * SCALE for v in values)


def _arrow(draw, x1, x2, y, head):
    """A horizontal arrow from x1 to x2 (either direction)."""
    draw.line(_s(x1, y, x2, y), fill=WHITE, width=6 * SCALE)
    sign = 1 if x2 > x1 else -1
    draw.polygon([_s(x2 + sign * 4, y), _s(x2 - sign * head, y - head), _s(x2 - sign * head, y + head)], fill=WHITE)


def partner_api(draw):
    # a database cylinder
    draw.rectangle(_s(18, 36, 62, 92), fill=WHITE)
    draw.ellipse(_s(18, 80, 62, 104), fill=WHITE)
    draw.ellipse(_s(18, 24, 62, 48), fill=WHITE)
    blue = (31, 94, 168, 255)
    for y in (52, 68):
        draw.arc(_s(18, y - 12, 62, y + 12), 0, 180, fill=blue, width=3 * SCALE)
    draw.ellipse(_s(24, 29, 56, 43), outline=blue, width=3 * SCALE)
    # to and from the partner
    _arrow(draw, 70, 108, 50, 9)
    _arrow(draw, 108, 70, 80, 9)


def api_consent(draw):
    draw.polygon([_s(64, 16), _s(104, 30), _s(100, 72), _s(64, 112), _s(28, 72), _s(24, 30)], fill=WHITE)
    green = (30, 130, 76, 255)
    draw.line([_s(44, 62), _s(59, 78), _s(86, 46)], fill=green, width=10 * SCALE, joint="curve")


def partner_ingest(draw):
    # items falling into a tray
    _arrow_down(draw, 64, 14, 62, 14)
    draw.polygon(
        [_s(16, 70), _s(40, 70), _s(48, 84), _s(80, 84), _s(88, 70), _s(112, 70), _s(112, 110), _s(16, 110)], fill=WHITE
    )


def _arrow_down(draw, x, y1, y2, head):
    draw.line(_s(x, y1, x, y2), fill=WHITE, width=10 * SCALE)
    draw.polygon([_s(x, y2 + 12), _s(x - head, y2 - 4), _s(x + head, y2 - 4)], fill=WHITE)


def dci_search(draw):
    # records
    for y in (22, 40, 58):
        draw.rounded_rectangle(_s(16, y, 76, y + 10), radius=4 * SCALE, fill=WHITE)
    # magnifying glass
    draw.ellipse(_s(52, 50, 96, 94), outline=WHITE, width=9 * SCALE)
    draw.line(_s(89, 87, 110, 108), fill=WHITE, width=12 * SCALE)


ICONS = {
    "g2p_partner_api": ((31, 94, 168, 255), partner_api),
    "g2p_api_consent": ((30, 130, 76, 255), api_consent),
    "g2p_partner_ingest": ((214, 110, 26, 255), partner_ingest),
    "g2p_dci_search": ((112, 56, 160, 255), dci_search),
}


def main():
    for addon, (colour, glyph) in ICONS.items():
        image, draw = _canvas(colour)
        glyph(draw)
        path = ROOT / addon / "static" / "description" / "icon.png"
        image.resize((SIZE, SIZE), Image.LANCZOS).save(path, optimize=True)
        print(path)


if __name__ == "__main__":
    main()
