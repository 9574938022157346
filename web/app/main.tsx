import '../ui/theme.css'
import { render } from 'preact'
import { CamtelClient } from '../api/camtel.js'
import { App } from './App.js'

// Same origin: camtel serves this page, and the session cookie goes with every request.
const client = new CamtelClient({ baseUrl: window.location.origin })
render(<App client={client} />, document.getElementById('app') as HTMLElement)
