import type { Scope } from './types.js'

export type { CameraCapacity, CapacityReport, DatabaseCapacity, SiteCapacity } from '../protocol/capacity.js'

export interface RetentionPolicy {
  id: string
  scope: Scope
  minDays: number | null
  maxDays: number | null
  createdAt: string
  updatedAt: string
}

export interface RetentionPolicyInput {
  scope: Scope
  minDays?: number | null
  maxDays?: number | null
}
