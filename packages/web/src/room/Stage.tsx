import { useEffect, useRef, useState } from "react";
import type { ConfabRoom } from "@confab/client";
import { useI18n } from "../i18n/context.js";
import { gridColumns, pageSizeFor } from "./grid.js";
import { Icon } from "./Icon.js";
import { Tile } from "./Tile.js";
import type { TileModel } from "./tiles.js";
import { useElementSize } from "./useRoom.js";

export type Layout = "grid" | "speaker";

interface Props {
  room: ConfabRoom;
  tiles: TileModel[];
  layout: Layout;
  /** The tile shown large in the speaker view (pinned, a screen, or the last speaker). */
  focusKey: string | undefined;
  pinnedKey: string | undefined;
  onPin: (key: string) => void;
  /** Tiles per page in the grid; 0 fits as many as the window holds. */
  pageSize: number;
}

/**
 * Where the tiles go. Grid: pages of tiles sized to fill the area. Speaker: one large tile and a
 * filmstrip. Only the tiles rendered here are reported to the SFU as viewed.
 */
export function Stage({ room, tiles, layout, focusKey, pinnedKey, onPin, pageSize }: Props) {
  const { t } = useI18n();
  const [area, setArea] = useState<HTMLElement | null>(null);
  const size = useElementSize(area);
  const [page, setPage] = useState(0);
  const gridRef = useRef<HTMLElement | null>(null);

  const perPage = pageSize > 0 ? pageSize : pageSizeFor(size.width || 1280, size.height || 720);
  const pages = Math.max(1, Math.ceil(tiles.length / perPage));
  const current = Math.min(page, pages - 1);
  const shown = layout === "grid" ? tiles.slice(current * perPage, (current + 1) * perPage) : [];
  const columns = gridColumns(shown.length, size.width || 1280, size.height || 720);

  useEffect(() => {
    gridRef.current?.style.setProperty("--columns", String(columns));
    gridRef.current?.style.setProperty("--rows", String(Math.max(1, Math.ceil(shown.length / columns))));
  }, [columns, shown.length]);

  const tile = (m: TileModel, compact = false) => (
    <Tile key={m.key} tile={m} room={room} pinned={pinnedKey === m.key} onPin={() => onPin(m.key)} compact={compact} />
  );

  if (layout === "speaker") {
    const focus = tiles.find((m) => m.key === focusKey) ?? tiles.find((m) => !m.local) ?? tiles[0];
    const strip = tiles.filter((m) => m !== focus);
    return (
      <main className="stage stage--speaker" ref={setArea}>
        <div className="stage__focus">{focus && tile(focus)}</div>
        {strip.length > 0 && <div className="filmstrip">{strip.map((m) => tile(m, true))}</div>}
      </main>
    );
  }
  return (
    <main
      className="stage"
      ref={(el) => {
        setArea(el);
      }}
    >
      <div
        className="grid"
        ref={(el) => {
          gridRef.current = el;
        }}
      >
        {shown.map((m) => (
          <div className="cell" key={m.key}>
            {tile(m)}
          </div>
        ))}
      </div>
      {pages > 1 && (
        <div className="pager">
          <button type="button" className="icon-button" disabled={current === 0} onClick={() => setPage(current - 1)} aria-label={t("page.prev")} title={t("page.prev")}>
            <Icon name="left" />
          </button>
          <span>{t("page.of", { page: current + 1, pages })}</span>
          <button type="button" className="icon-button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)} aria-label={t("page.next")} title={t("page.next")}>
            <Icon name="right" />
          </button>
        </div>
      )}
    </main>
  );
}
