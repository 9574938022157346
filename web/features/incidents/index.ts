export { IncidentList } from './IncidentList.js'
export { IncidentsPage } from './IncidentsPage.js'
