export { AgentsPage } from './AgentsPage.js'
