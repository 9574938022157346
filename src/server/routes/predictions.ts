import type { FastifyInstance } from 'fastify'
import type { PredictionEngine } from '../../predict/index.js'
import { PredictionQuery } from '../../protocol/predictions.js'
import { principalOf } from '../auth/guard.js'
import { AppError } from '../errors.js'

export interface PredictionRouteDeps {
  /** Absent when the plan has no predictive maintenance. */
  engine: PredictionEngine | undefined
}

export const planFeature = () =>
  new AppError(403, 'plan_feature', 'predictive maintenance is not part of the professional plan; set CAMTEL_ADDONS=predictive (or CAMTEL_PLAN=enterprise)')

export async function predictionRoutes(app: FastifyInstance, d: PredictionRouteDeps): Promise<void> {
  app.get<{ Querystring: PredictionQuery }>(
    '/api/v1/predictions',
    {
      config: { permission: 'fleet:read' },
      schema: {
        summary: 'Failure predictions, highest risk first',
        description:
          '`risk` is the probability of a failure in `mode` within 30 days; at 0.5 or more a prediction is raised. `eta` is the projected failure time (data time), ' +
          '`evidence` says why in words and numbers, `asOf` is the data time of the assessment and `raisedAt` when it was raised. See docs/predictive-maintenance.md.',
        tags: ['predictions'],
        querystring: PredictionQuery,
      },
    },
    async (req) => {
      if (d.engine === undefined) throw planFeature()
      const q = req.query
      return {
        predictions: d.engine.list({ sites: principalOf(req).sites, site: q.site, camera: q.camera, mode: q.mode, minRisk: q.minRisk, limit: q.limit ?? 1000 }),
      }
    },
  )
}
