import type { FastifyInstance, FastifyRequest } from 'fastify'
// For its route options (wsHandler); app.ts registers the plugin itself.
import type {} from '@fastify/websocket'
import type { StreamHub } from '../../stream/index.js'
import type { Authenticator } from '../auth/authenticator.js'
import { principalOf } from '../auth/guard.js'
import { roleGrants } from '../auth/roles.js'
import { AppError } from '../errors.js'

export interface StreamRouteDeps {
  hub: StreamHub
  /** Checks an open stream's credentials again at each heartbeat; absent when auth is off. */
  authenticator?: Authenticator
}

/**
 * `GET /api/v1/stream` (DESIGN §6). The guard authenticates the upgrade like any request
 * (bearer header, `?token=`, or the session cookie), so a caller without `fleet:read` gets its
 * 401 or 403 as an HTTP answer and never a socket.
 */
export async function streamRoutes(app: FastifyInstance, deps: StreamRouteDeps): Promise<void> {
  app.route({
    method: 'GET',
    url: '/api/v1/stream',
    config: { permission: 'fleet:read' },
    schema: {
      summary: 'Live stream of events (WebSocket)',
      description:
        'Upgrade to WebSocket, then send `{"type":"subscribe","topics"?,"sites"?,"cameras"?,"since"?}`. ' +
        'Events follow as `{"type":"event","id","topic","cameraId","siteId","ts","data"}`, one per frame or several in a JSON array. ' +
        'With `since`: the missed events, then `{"type":"replayed","id"}`, then live; outside the replay window `{"type":"reset","id"}`. ' +
        'A console too slow to keep up gets `{"type":"lagging","id"}` and close code 4008. See docs/stream.md.',
      tags: ['stream'],
    },
    handler: async () => {
      throw new AppError(400, 'upgrade_required', 'GET /api/v1/stream is a WebSocket endpoint: connect with a WebSocket client')
    },
    wsHandler: (socket, req) => {
      const { authenticator } = deps
      deps.hub.accept(socket, principalOf(req), authenticator && (() => recheck(authenticator, req)))
    },
  })
}

async function recheck(authenticator: Authenticator, req: FastifyRequest) {
  const principal = await authenticator.fromRequest(req)
  return principal && roleGrants(principal.role, 'fleet:read') ? principal : null
}
