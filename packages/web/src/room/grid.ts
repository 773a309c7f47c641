/** Columns of the tile grid for `count` tiles in a `width`×`height` area (16:9 tiles). */
export function gridColumns(count: number, width: number, height: number): number {
  if (count <= 1) return 1;
  let best = 1;
  let bestArea = 0;
  // Try every column count and keep the one giving the largest 16:9 tiles.
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const tileW = Math.min(width / cols, ((height / rows) * 16) / 9);
    const area = tileW * ((tileW * 9) / 16);
    if (area > bestArea + 0.5) {
      best = cols;
      bestArea = area;
    }
  }
  return best;
}

/** Smallest useful tile width, CSS px: below it faces and names become unreadable. */
const MIN_TILE_WIDTH = 240;

/** How many tiles fit a page of the grid in a `width`×`height` area (1–25). */
export function pageSizeFor(width: number, height: number): number {
  const columns = Math.max(1, Math.floor(width / MIN_TILE_WIDTH));
  const rows = Math.max(1, Math.floor(height / ((MIN_TILE_WIDTH * 9) / 16 + 10)));
  return Math.max(1, Math.min(25, columns * rows));
}
