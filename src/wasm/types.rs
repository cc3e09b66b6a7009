//! TypeScript for the shapes that exist only on the JS side: reference media (a `Blob` or
//! bytes never enters Rust) and the create-params that carry them. Everything else in the
//! `.d.ts` is generated from the Rust types (tsify).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** A reference medium: a File or Blob, bytes (ArrayBuffer, typed array, Node Buffer), or `true` for media already uploaded. */
export type MediaInput = Blob | ArrayBuffer | ArrayBufferView | boolean;

/** `projects.create` params of an image project: ImageProjectParams plus its reference media. */
export type ImageProjectCreateParams = Omit<ImageProjectParams, 'controlNet' | 'type'> & {
  type: 'image';
  /** Image-to-image source. */
  startingImage?: MediaInput;
  /** Reference images (model-dependent count). */
  contextImages?: MediaInput[];
  /** ControlNet with its guide image. */
  controlNet?: ControlNetParams & { image?: MediaInput };
};

/** `projects.create` params of a video project: VideoProjectParams plus its reference media. */
export type VideoProjectCreateParams = Omit<VideoProjectParams, 'type'> & {
  type: 'video';
  referenceImage?: MediaInput;
  referenceImageEnd?: MediaInput;
  referenceAudio?: MediaInput;
  referenceAudioIdentity?: MediaInput;
  referenceVideo?: MediaInput;
  referenceMask?: MediaInput;
  contextImages?: MediaInput[];
  referenceVideos?: MediaInput[];
  referenceAudios?: MediaInput[];
};

/** `projects.create` params of an audio project: AudioProjectParams plus its reference audio. */
export type AudioProjectCreateParams = Omit<AudioProjectParams, 'type'> & {
  type: 'audio';
  referenceAudio?: MediaInput;
};

/** Any `projects.create` params. */
export type ProjectCreateParams = (ImageProjectCreateParams | VideoProjectCreateParams | AudioProjectCreateParams) & {
  /** Aborts the creation (this SDK's): before the `jobRequest` is sent, nothing goes out. */
  signal?: AbortSignal;
};

/** A logger the client writes to instead of the console. */
export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** `SogniClient.createInstance` options. */
export type SogniClientConfig = ClientConfig & { logger?: Logger };

/*
 * Server answers the SDK passes through untouched (no Rust type holds them), declared once
 * here with the fields the official SDK documents.
 */

/** One token's balance; amounts are decimal strings. */
export interface TokenBalance {
  settled: string;
  credit: string;
  debit: string;
  net: string;
  premiumCredit?: string;
  relaxedUnclaimed?: string;
  fastUnclaimed?: string;
}

/** `currentAccount.balance`, `account.refreshBalance()`. */
export interface Balances {
  sogni: TokenBalance;
  spark: TokenBalance;
}

/** `account.login()`. */
export interface LoginData {
  token: string;
  refreshToken: string;
  username: string;
}

/** `account.me()`. */
export interface MeData {
  username: string;
  currentEmail: string;
  walletAddress: string;
  emailVerified?: boolean;
  discord2FA?: boolean;
  discordLinked?: boolean;
  discordServerMember?: boolean;
  discordUsername?: string | null;
  requestedUpdatedEmail?: string | null;
}

/** `projects.getSizePresets()`. */
export interface SizePreset {
  label: string;
  id: string;
  width: number;
  height: number;
  ratio: string;
  aspect: string;
}

/** `projects.getSupportedModels()`. */
export interface SupportedModel {
  id: string;
  name: string;
  SID: number;
  tier: string;
  media: 'image' | 'video' | 'audio' | 'model';
}

/** The official `ErrorData` carried by feed error events. */
export interface ErrorData {
  code: number;
  message: string;
  originalCode?: string;
}

/** `projects.on('project', …)`. */
export type ProjectFeedEvent =
  | { type: 'queued'; projectId: string; queuePosition: number; estimatedStartSeconds?: number | null; queueStatus?: 'waiting' | 'no-workers' }
  | { type: 'completed'; projectId: string }
  | { type: 'error'; projectId: string; error: ErrorData };

/** `projects.on('job', …)`. */
export type JobFeedEvent = { projectId: string; jobId: string } & (
  | { type: 'initiating' | 'started'; workerName?: string; positivePrompt?: string; negativePrompt?: string; jobIndex?: number }
  | { type: 'progress'; step?: number; stepCount?: number; progress?: number; etaSeconds?: number; etaMin?: number; etaMax?: number }
  | { type: 'jobETA'; etaSeconds: number }
  | { type: 'preview'; url: string }
  | { type: 'completed'; steps?: number; seed?: number; resultUrl: string | null; isNSFW: boolean; nsfwDetected: boolean; nsfwSources: string[]; userCanceled: boolean; outputFormat?: string }
  | { type: 'error'; error: ErrorData }
);
"#;
