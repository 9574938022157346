export { CameraPage } from './CameraPage.js'
export { SeriesChart, type Threshold } from './SeriesChart.js'
