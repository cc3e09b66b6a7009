//! TypeScript for `sogni.chat`: the chat params and the server answers the SDK passes
//! through as JSON (the core keeps them as `serde_json::Value`, so no Rust type holds them).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_CHAT_TYPES: &str = r#"
/** A chat message content part. `image_url.url` may also be a Blob/File/bytes (made a `data:` URI, downscaled to 1024 px where the runtime can draw). */
export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string | Blob | ArrayBuffer | ArrayBufferView; detail?: 'auto' | 'low' | 'high' } };

/** An OpenAI-style tool call. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** An OpenAI-style function tool. */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** A chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** `chat.completions.create` params (the official keys; `signal` is this SDK's). */
export interface ChatCompletionParams {
  model?: string;
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  repetition_penalty?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  stop?: string | string[];
  stream?: boolean;
  think?: boolean;
  taskProfile?: 'general' | 'coding' | 'reasoning';
  response_format?: { type: 'json_object' } | { type: 'json_schema'; json_schema: { name?: string; schema: Record<string, unknown>; strict?: boolean } };
  tools?: ToolDefinition[];
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };
  sogni_tools?: boolean | string;
  sogni_tool_execution?: string;
  tokenType?: 'sogni' | 'spark';
  appSource?: string;
  safeContentFilter?: boolean;
  billingMode?: string;
  autoExecuteTools?: boolean;
  maxToolRounds?: number;
  onToolCall?: (toolCall: ToolCall) => Promise<string> | string;
  onToolProgress?: (toolCall: ToolCall, progress: ToolExecutionProgress) => void;
  /** Aborts waiting for (or reading) the completion. */
  signal?: AbortSignal;
}

/** Token usage. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One streamed chunk. */
export interface ChatCompletionChunk {
  jobID: string;
  content: string;
  role?: string;
  finishReason?: string | null;
  usage?: ChatUsage;
  tool_calls?: Array<Partial<ToolCall> & { index?: number }>;
}

/** A settled chat job's cost; amounts are decimal strings. */
export interface LLMJobCost {
  costInUSD?: string;
  costInToken?: string;
  costInSogni?: string;
  costInSpark?: string;
  inputTokens?: number;
  outputTokens?: number;
}

/** A finished chat completion. */
export interface ChatCompletionResult {
  jobID: string;
  content: string;
  role: string;
  finishReason: string;
  usage: ChatUsage;
  timeTaken: number;
  workerName?: string;
  cost?: LLMJobCost;
  tool_calls?: ToolCall[];
  toolHistory?: Array<{ round: number; toolCalls: ToolCall[]; toolResults: ToolExecutionResult[] }>;
}

/** One LLM model's availability. */
export interface LLMModelInfo {
  workers: number;
  [key: string]: unknown;
}

/** `chat.estimateCost()`. */
export interface LLMCostEstimation {
  costInUSD: number | string;
  costInSogni: number | string;
  costInSpark: number | string;
  costInToken: number | string;
  inputTokens: number;
  outputTokens: number;
}

/** Progress of a tool execution. */
export interface ToolExecutionProgress {
  status: 'creating' | 'queued' | 'processing' | 'completed' | 'failed';
  percent: number;
  resultUrls?: string[];
}

/** `chat.tools.execute` options (the official keys; `signal` is this SDK's). */
export interface ToolExecutionOptions {
  tokenType?: 'sogni' | 'spark';
  network?: 'fast' | 'relaxed';
  numberOfMedia?: number;
  attribution?: Record<string, unknown>;
  mediaContext?: { images?: string[]; videos?: string[]; audio?: string[]; uploadedImages?: string[]; uploadedVideos?: string[]; uploadedAudio?: string[] };
  onProgress?: (progress: ToolExecutionProgress) => void;
  /** Aborts the tool's project (and the wait for it). */
  signal?: AbortSignal;
}

/** What `chat.tools.execute` resolves with. */
export interface ToolExecutionResult {
  toolCallId: string;
  toolName: string;
  success: boolean;
  resultUrls: string[];
  content: string;
  error?: string;
}

/** `chat.hosted.create()`'s OpenAI-shaped answer. */
export interface HostedChatCompletionResult {
  id?: string;
  object?: string;
  model?: string;
  choices: Array<{ index: number; message: ChatMessage; finish_reason: string | null }>;
  usage?: ChatUsage;
  [key: string]: unknown;
}

/** `chat.hosted.executeTool()`'s answer. */
export type HostedToolExecutionResult = Record<string, unknown>;

/** A durable chat run's record. */
export interface ChatRunRecord {
  runId: string;
  status: string;
  [key: string]: unknown;
}

/** One chat-run event from `chat.runs.streamEvents()`. */
export interface ChatRunEvent {
  id?: number;
  type: string;
  payload?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ChatCompletions {
  /** Sends a chat completion over the socket; with `stream: true` resolves with a `ChatStream` once sent. */
  create(params: ChatCompletionParams & { stream: true }): Promise<ChatStream>;
  /** Sends a chat completion over the socket and resolves with its result. */
  create(params: ChatCompletionParams & { stream?: false }): Promise<ChatCompletionResult>;
  create(params: ChatCompletionParams): Promise<ChatStream | ChatCompletionResult>;
}

export interface ChatStream {
  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk>;
  return(value?: unknown): Promise<IteratorResult<ChatCompletionChunk>>;
}

export interface ChatRunEventStream {
  [Symbol.asyncIterator](): AsyncIterator<ChatRunEvent>;
  return(value?: unknown): Promise<IteratorResult<ChatRunEvent>>;
}
"#;
