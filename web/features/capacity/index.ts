export { CapacityPage } from './CapacityPage.js'
