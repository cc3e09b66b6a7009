//! TypeScript for the REST surface outside projects and chat: workflows and templates,
//! replay, stats, announcements, account rewards / transactions / subscriptions, project
//! lookups, LoRAs, personal LoRAs, saved uploads and socket subscriptions. The core keeps
//! these answers as `serde_json::Value`s, so no Rust type holds them.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_SURFACE_TYPES: &str = r#"
export type CreativeWorkflowStatus =
  | 'queued' | 'running' | 'completed' | 'partial_failure' | 'waiting_for_user' | 'failed' | 'cancelled' | (string & {});

/** A workflow step: a hosted Sogni tool with its arguments and the outputs it takes from earlier steps. */
export interface StartCreativeWorkflowStep {
  id?: string;
  toolName: string;
  arguments: Record<string, unknown>;
  dependsOn?: {
    sourceStepId: string;
    targetArgument: string;
    transform: 'artifact_url' | 'artifact_data_uri' | 'image_url' | 'video_url' | 'audio_url' | 'image_index' | 'video_index' | 'audio_index' | 'subtitle_cues' | 'subtitle_srt' | 'overlay_items' | 'asset_ref';
    sourceArtifactId?: string;
    sourceArtifactIndex?: number;
    mediaType?: 'image' | 'video' | 'audio';
    required?: boolean;
  }[];
}

/** `workflows.start` params: an inline plan (`input`) or a saved template (`workflowId` + `inputs`). snake_case aliases are accepted as officially. */
export interface StartCreativeWorkflowParams {
  input?: { title?: string; steps: StartCreativeWorkflowStep[] };
  workflowId?: string;
  inputs?: Record<string, unknown>;
  tokenType?: 'sogni' | 'spark';
  billingMode?: 'auto' | 'subscription' | 'tokens';
  appSource?: string;
  idempotencyKey?: string;
  mediaReferences?: unknown[];
  maxEstimatedCapacityUnits?: number;
  confirmCost?: boolean;
  safeContentFilter?: boolean;
  [snakeCaseAlias: string]: unknown;
}

export interface CreativeWorkflowArtifact {
  id?: string; url?: string; type?: string; mediaType?: string; mimeType?: string;
  width?: number; height?: number; duration?: number; [key: string]: unknown;
}

export interface CreativeWorkflowEvent {
  id?: string | number; event?: string; type?: string; status?: CreativeWorkflowStatus;
  message?: string; timestamp?: number; data?: unknown; [key: string]: unknown;
}

/** A durable workflow run. */
export interface CreativeWorkflowRecord {
  workflowId: string;
  title?: string;
  status?: CreativeWorkflowStatus;
  waitingReason?: string;
  awaitingCostApproval?: boolean;
  safeContentFilter?: boolean;
  input?: Record<string, unknown>;
  plan?: Record<string, unknown>;
  steps?: unknown[];
  events?: CreativeWorkflowEvent[];
  artifacts?: CreativeWorkflowArtifact[];
  billingPreview?: unknown;
  createTime?: number;
  updateTime?: number;
  createdAt?: string;
  updatedAt?: string;
  error?: unknown;
  [key: string]: unknown;
}

export interface ResumeCreativeWorkflowParams { tokenType?: 'sogni' | 'spark'; billingMode?: string; appSource?: string; [alias: string]: unknown }
export interface ResumeCreativeWorkflowResult { workflow: CreativeWorkflowRecord; resumed: boolean }
export interface ReseedCreativeWorkflowParams extends ResumeCreativeWorkflowParams { seedOverrides?: Record<string, number>; idempotencyKey?: string }
export interface ReseedCreativeWorkflowResult { workflow: CreativeWorkflowRecord; idempotent?: boolean; reseed: { clonedFromRunId: string; steps: unknown[] } }
export interface StreamCreativeWorkflowEventsOptions { after?: string | number; lastEventId?: string | number; signal?: AbortSignal }
/** One SSE frame of a workflow's event stream. */
export interface CreativeWorkflowSseEvent { id?: string; event: string; data: unknown; raw: string }

export interface WorkflowEventStream {
  [Symbol.asyncIterator](): AsyncIterator<CreativeWorkflowSseEvent>;
  return(value?: unknown): Promise<IteratorResult<CreativeWorkflowSseEvent>>;
}

export interface WorkflowTemplate {
  id: string;
  name: string;
  version: string;
  description: string;
  category?: string;
  stability?: 'experimental' | 'beta' | 'production';
  author?: 'system' | { userId: string; displayName: string };
  visibility?: 'private' | 'public' | 'team';
  inputs?: unknown[];
  stages?: unknown[];
  tags?: string[];
  createdAt?: number | string;
  updatedAt?: number | string;
  [key: string]: unknown;
}
export interface ListWorkflowTemplatesOptions { visibility?: 'own' | 'public' | 'all'; offset?: number; limit?: number; signal?: AbortSignal }
export interface ListWorkflowTemplatesResult { templates: WorkflowTemplate[]; nextCursor: number | null }

export interface RunRecord {
  run_id: string;
  schema_version?: number | string;
  session_id?: string;
  account_id?: string;
  model_id?: string;
  rounds?: ReadonlyArray<unknown>;
  user_request?: string;
  final_response?: unknown;
}
export interface ReplayWriteResult { runId: string; schemaVersion: number | string; redacted: boolean; createTime: number; updateTime: number }
export interface ReplayRecordSummary { runId: string; schemaVersion: number | string; createTime: number; updateTime: number; userRequest?: string; finalResponse?: unknown; modelId?: string; rounds: number }
export interface ListReplayRecordsResult { records: ReplayRecordSummary[] }
export interface GetReplayRecordResult { record: RunRecord; createTime: number }

export interface LeaderboardParams {
  type: 'renderUSDCompleteWorker' | 'renderUSDCompleteArtist' | 'renderSecCompleteWorker' | 'renderSecCompleteArtist' | 'renderTokenCompleteWorker' | 'renderTokenCompleteWorker2' | 'renderTokenCompleteArtist' | 'renderTokenCompleteArtist2' | 'jobCompleteWorker' | 'jobCompleteArtist' | 'projectCompleteArtist' | 'uloginWorker' | 'uloginArtist' | 'tokenVolume' | 'referral';
  period: 'day' | 'lifetime';
  username?: string;
  network?: 'fast' | 'relaxed' | 'all';
  page?: number;
  limit?: number;
  date?: number;
  address?: string;
}
export interface LeaderboardItem { rank: number; username: string; address: string; country: string; value: string; role: string }

/** An admin announcement (REST `announcements.active()` or the socket's `appAlert`). */
export interface AppAlert {
  id: string;
  kind: 'toast' | 'banner';
  severity: 'info' | 'success' | 'warn' | 'danger';
  icon?: string;
  accent?: string;
  title: string;
  bodyMarkdown: string;
  pinned: boolean;
  dismissible: boolean;
  autoCloseMs?: number;
  actions?: { label: string; href: string; external?: boolean }[];
  startsAt: number;
  endsAt?: number;
}

export interface TxHistoryParams { status: 'completed'; address: string; limit: number; provider?: string; offset?: number }
export interface TxHistoryEntry {
  id: string; address: string; createTime: Date; updateTime: Date; endTime: Date;
  status: 'completed'; role: 'artist' | 'worker'; amount: number; tokenType: 'sogni' | 'spark';
  description: string; source: string; type: string; billingMode?: string; paymentModel?: string;
  subscriptionTier?: string | null; subscriptionTrialing?: boolean; subscriptionThrottled?: boolean;
}
export interface Reward {
  id: string; type: 'instant' | 'conditioned'; title: string; description: string; amount: string;
  tokenType: 'sogni' | 'spark'; claimed: boolean; canClaim: boolean; cantClaimReason?: string | null;
  lastClaim: Date; nextClaim: Date | null; provider?: string;
}

export interface SubscriptionEntitlementSnapshot {
  active: boolean;
  status: 'none' | 'trialing' | 'active' | 'grace_period' | 'past_due' | 'paused' | 'cancel_at_period_end' | 'canceled' | 'expired' | 'refunded';
  tier?: string; term?: string; provider?: string;
  currentPeriodStart?: string; currentPeriodEnd?: string; cancelAtPeriodEnd?: boolean;
  scheduledTier?: string; scheduledTerm?: string; scheduledChangeAt?: string;
  capabilities?: Record<string, boolean>; paymentPending?: boolean; fairUse?: Record<string, unknown>;
  frontierDiscountBps?: number;
}
export interface SubscriptionUsage { periodRenderSpark: number; periodJobs: number; trialEndsAt?: string; trialCreditsLimit?: number; trialCreditsUsed?: number }
export interface TrialEligibility { eligible: boolean; reasonCode: string }
export interface SubscriptionPlan { planId: 'unlimited' | 'unlimited_pro'; tier: string; term: 'monthly' | 'annual'; interval: 'month' | 'year'; priceUsd: number; displayName: string; google?: { productId: string }; vendorDiscountBps: number }
export interface CreateSubscriptionCheckoutOptions { redirectType?: 'web' | 'app' | 'dashboard' | 'photobooth' | 'chat'; appSource?: string; startTrial?: boolean; deviceId?: string; /** Aborts the request (this SDK's). */ signal?: AbortSignal }
export interface SubscriptionCheckoutResult { url: string; message?: string }
export interface SubscriptionPortalSession { url: string }

/** A finished project's record (`projects.get`). */
export interface RawProject { id: string; status?: string; workerJobs?: unknown[]; completedWorkerJobs?: unknown[]; [key: string]: unknown }
/** A project's live state (`projects.getStatus`). */
export interface ProjectStatusSnapshot {
  id: string;
  status: 'pending' | 'queued' | 'processing' | 'completed' | 'failed' | 'canceled';
  finished: boolean;
  workerJobs?: unknown[];
  completedWorkerJobs?: unknown[];
  [key: string]: unknown;
}
/** A project in flight on another app instance. */
export interface RecoveredProject { id: string; appId?: string; appSource?: string; status: string; createTime: number; model: { id: string; [key: string]: unknown }; workerJobs?: unknown[]; [key: string]: unknown }

export interface LoraCatalogEntry {
  loraId: string; slug: string; name: string; description: string; relatedLoraIds: string[]; modelIds: string[];
  ui: { min: number; max: number; default: number; step: number; [key: string]: unknown };
  [key: string]: unknown;
}
export interface LoraConstraints { maxPerRequest: number; minStrength: number; maxStrength: number }
export interface LoraCatalog { lastUpdated?: number; loras: LoraCatalogEntry[]; models: string[]; constraints: LoraConstraints }
export interface AvailableLorasParams { modelId?: string; forceRefresh?: boolean; includePersonal?: boolean }
export interface PersonalLora {
  id: string; name: string; modelId: string; modelIds: string[]; source: string;
  status: 'queued' | 'validating' | 'review' | 'ready' | 'rejected' | 'revoked';
  createdAt: number; updatedAt: number; bytes?: number; reason?: string; failureCode?: string; requirements: string[];
}
export interface PersonalLoraLibrary { loras: PersonalLora[]; models: string[]; limits: { entries: number; fileBytes: number | null; importsPerDay: number; perGeneration: number } }
export interface ImportPersonalLoraParams { url: string; name: string; modelId: string; rightsConfirmed: boolean }
export interface SavedUpload { id: string; name: string; bytes: number; contentType: string; state: 'uploading' | 'ready'; createdAt: number; expiresAt: number }
export interface SavedUploadBinding { projectId: string; type: string; id?: string }

/** Socket event subscriptions: a flag map, or an update. */
export type SocketEventSubscriptionInput =
  | Record<string, boolean>
  | { subscriptions?: Record<string, boolean>; subscribe?: string | string[]; unsubscribe?: string | string[]; reset?: boolean; event?: string; enabled?: boolean };

"#;
