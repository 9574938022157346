export { MaintenancePage } from './MaintenancePage.js'
export { PredictionItem } from './PredictionItem.js'
export { modeLabel } from './modes.js'
