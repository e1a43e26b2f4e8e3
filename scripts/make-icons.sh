#!/bin/sh
# Draws the PWA icons in static/ from one glyph (the favicon's "R"). Needs ImageMagick 6
# (`apt-get install imagemagick`). The PNGs are committed; run this only when the logo changes.
set -eu
cd "$(dirname "$0")/../static"
CONVERT=${CONVERT:-/usr/bin/convert}
BLUE='#1d4ed8'
GLYPH='<path d="M20 46V18h14a9 9 0 0 1 0 18h-6l10 10" fill="none" stroke="#fff" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/>'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "any" purpose: the rounded tile of the favicon.
any() { # size
	printf '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="%s" stroke="none"/>%s</svg>' \
		"$1" "$1" "$BLUE" "$GLYPH" >"$tmp/any-$1.svg"
	echo "$tmp/any-$1.svg"
}
# Maskable and Apple: full-bleed square, glyph inside the central 80 % safe zone (the OS crops).
full() { # size
	printf '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 64 64"><rect width="64" height="64" fill="%s" stroke="none"/><g transform="translate(9.6 9.6) scale(0.7)">%s</g></svg>' \
		"$1" "$1" "$BLUE" "$GLYPH" >"$tmp/full-$1.svg"
	echo "$tmp/full-$1.svg"
}

draw() { # background source output
	"$CONVERT" -background "$1" "$2" -depth 8 -strip "$3"
}
draw none "$(any 192)" icons/icon-192.png
draw none "$(any 512)" icons/icon-512.png
draw "$BLUE" "$(full 192)" icons/maskable-192.png
draw "$BLUE" "$(full 512)" icons/maskable-512.png
# iOS ignores transparency and rounds the corners itself.
draw "$BLUE" "$(full 180)" apple-touch-icon.png
echo "icons written to static/icons and static/apple-touch-icon.png"
