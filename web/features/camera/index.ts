export { CameraPage } from './CameraPage.js'
