/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** A tile URL template (`https://tiles.example/{z}/{x}/{y}.png`) for sites that run a tile server; unset: outlines only. */
  readonly CAMTEL_MAP_TILES?: string
  /** Attribution shown with those tiles. */
  readonly CAMTEL_MAP_ATTRIBUTION?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
