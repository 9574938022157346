export { CameraList } from './CameraList.js'
export type { CameraFilter } from './camera-order.js'
export { FleetPage } from './FleetPage.js'
export { StatusTiles } from './StatusTiles.js'
