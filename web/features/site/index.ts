export { SitePage } from './SitePage.js'
