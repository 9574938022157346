export { FleetMap } from './FleetMap.js'
