// The official 5.54 public surface (its .d.ts: the root exports and each class's public
// methods, getters and fields), what sogni-wasm has for each, and why where it has not.
// Used by parity.test.mjs (which checks it against pkg/) and parity-table.mjs (which
// prints the README's parity table).

/** The official 5.54 surface (dist/**\/*.d.ts, public members only). */
export const OFFICIAL = {
  root: [
    'SogniClient', 'ApiError', 'ApiKeyAuthManager', 'ChatJobError', 'ChatStream', 'ChatToolsApi',
    'CreativeWorkflowsApi', 'CreativeWorkflowTemplatesApi', 'ReplayApi', 'CurrentAccount', 'Job', 'Project',
    'SogniTools', 'isRetryableChatError', 'RETRYABLE_CHAT_ERROR_TYPES', 'SUBSCRIPTION_ERROR_CODES',
    'isSubscriptionLimitError', 'isSogniToolCall', 'parseToolCallArguments', 'parseCreativeWorkflowSseChunk',
    'PROJECT_LOST_ORIGINAL_CODE', 'isProjectLostError', 'projectParamsFromRecoveredProject',
    'BIREFNET_BACKGROUND_REMOVAL_MODEL_ID', 'FLASHVSR_VIDEO_UPSCALE_MODEL_ID', 'MINIMAX_H3_FASTH3_A2V_MODEL_ID',
    'MINIMAX_H3_FASTH3_FLFA2V_MODEL_ID', 'MINIMAX_H3_FASTH3_IA2V_MODEL_ID', 'PIXAL3D_IMAGE_TO_3D_MODEL_ID',
    'PIXAL3D_MULTIVIEW_IMAGE_TO_3D_MODEL_ID', 'PIXAL3D_ORBIT_VIEW_SLOTS', 'SAM3_IMAGE_SEGMENT_MODEL_ID',
    'getMinimaxH3FramesForAudioDuration', 'getPixal3dOrbitViewSlots', 'isMinimaxH3AudioGuideModel', 'isAudioModel',
    'isModelArtifactModel', 'isPixal3dModel', 'isPixal3dMultiViewModel', 'isSegmentationModel', 'isVideoModel',
    'isVideoUpscaleModel', 'requiresStartingImage'
  ],
  SogniClient: ['account', 'projects', 'stats', 'chat', 'workflows', 'replay', 'announcements', 'apiClient',
    'currentAccount', 'setTokens', 'checkAuth', 'dispose', 'setSocketEventSubscriptions'],
  'SogniClient (static)': ['createInstance'],
  AccountApi: ['currentAccount', 'getNonce', 'getWallet', 'create', 'login', 'logout', 'refreshBalance',
    'accountBalance', 'walletBalance', 'me', 'validateUsername', 'switchNetwork', 'transactionHistory', 'rewards',
    'claimRewards', 'withdraw', 'deposit', 'approveTokenUsage', 'getSubscriptionStatus', 'getSubscriptionUsage',
    'getTrialEligibility', 'setDeviceId', 'getSubscriptionPlans', 'createSubscriptionCheckout',
    'createSubscriptionPortalSession', 'refreshSubscription'],
  CurrentAccount: ['isAuthenicated', 'networkStatus', 'network', 'balance', 'walletAddress', 'username', 'email',
    'subscription', 'freeSparkLocked', 'freeSparkUnlockPath', 'isUnlimited', 'toJSON'],
  ProjectsApi: ['personalLoras', 'assets', 'availableModels', 'isVideoModelId', 'isAudioModelId',
    'isModelArtifactModelId', 'trackedProjects', 'sync', 'listProjectsElsewhere', 'resolveMissing', 'waitForModels',
    'create', 'get', 'getStatus', 'cancel', 'estimateCost', 'estimateEnhancementCost', 'estimateVideoCost',
    'estimateAudioCost', 'uploadUrl', 'downloadUrl', 'mediaUploadUrl', 'mediaDownloadUrl', 'getSupportedModels',
    'getSizePresets', 'getVideoAssetConfig', 'getAvailableModels', 'getModelOptions', 'availableLoras', 'getLora',
    'supportsLoras', 'loraConstraints'],
  PersonalLoras: ['list', 'get', 'import', 'remove', 'catalog'],
  ReusableUploads: ['list', 'remove', 'bind', 'upload', 'tryBindFile'],
  Project: ['id', 'startedAt', 'recovered', 'params', 'type', 'status', 'eta', 'finished', 'error', 'progress',
    'queuePosition', 'estimatedStartAt', 'queueStatus', 'jobs', 'resultUrls', 'waitForCompletion', 'cancel', 'job',
    'toJSON'],
  Job: ['id', 'projectId', 'status', 'finished', 'progress', 'step', 'stepCount', 'seed', 'previewUrl',
    'lastFrameUrl', 'getLastFrameUrl', 'resultUrl', 'provenance', 'imageUrl', 'error', 'hasResultMedia', 'isWithheld',
    'type', 'enhancedImage', 'getResultUrl', 'isNSFW', 'nsfwDetected', 'nsfwSources', 'workerName', 'jobIndex',
    'etaSeconds', 'etaRange', 'eta', 'getResultData', 'enhance', 'toJSON'],
  'Job (static)': ['fromRaw'],
  ChatApi: ['tools', 'completions', 'hosted', 'runs', 'models', 'waitForModels', 'estimateCost'],
  'chat.completions': ['create'],
  'chat.hosted': ['create', 'executeTool'],
  'chat.runs': ['create', 'get', 'cancel', 'confirmCost', 'streamEvents'],
  ChatToolsApi: ['execute', 'executeAll'],
  ChatStream: ['jobID', 'content', 'workerName', 'cost', 'toolCalls', 'finalResult'],
  ChatJobError: ['code', 'errorCode', 'errorType', 'jobID', 'status', 'payload', 'subscriptionLimit',
    'requiredPlans', 'feature', 'limitation', 'retryable', 'subscriptionErrorCode'],
  CreativeWorkflowsApi: ['templates', 'start', 'resume', 'reseed', 'list', 'get', 'events', 'cancel', 'streamEvents'],
  CreativeWorkflowTemplatesApi: ['list', 'get', 'create', 'update', 'delete', 'fork'],
  ReplayApi: ['write', 'list', 'get'],
  StatsApi: ['leaderboard'],
  AnnouncementsApi: ['active', 'dismiss'],
  ApiClient: ['appId', 'appSource', 'attribution', 'logger', 'isAuthenticated', 'auth', 'socket', 'rest',
    'socketEnabled', 'setSocketEventSubscriptions', 'dispose'],
  'apiClient.socket': ['appId', 'isConnected', 'supernetType', 'connect', 'disconnect', 'switchNetwork',
    'setSocketEventSubscriptions', 'send'],
  ApiError: ['status', 'payload', 'retryAfter', 'details'],
  ApiKeyAuthManager: ['isAuthenticated', 'authenticate', 'clear', 'authenticateRequest', 'socketOptions'],
  'event emitters (groups, entities)': ['on', 'once', 'off', 'removeAllListeners']
};

/** Official members without a counterpart here, with the reason. */
export const GAPS = {};

/** Members that exist but differ from the official ones. */
export const PARTIAL = {
  'ProjectsApi.getAvailableModels': 'resolves with `{modelId: workerCount}`, not `AvailableModel[]`',
  'CurrentAccount.network': 'keeps the last network while disconnected (official: `null`)',
  'AccountApi.getWallet': 'a `Wallet` with `address` and `signTypedData` (official: an ethers `Wallet`)',
  'CreativeWorkflowsApi.start': 'a missing `data.workflow` rejects with a `TransportError` (`protocol error: …`), not a plain `Error`; workload `attribution` headers are not sent',
  'ProjectsApi.availableLoras': 'the 5-minute cache is per client (official: per module)',
  'ApiClient.logger': 'the `logger` given in the config; `undefined` when the SDK logs to the console',
  'ProjectsApi.sync': 'tracked projects the snapshot does not list are looked up once (live lookup, the socket\'s active list, the record) instead of up to 4 record lookups 2.5 s apart, and called lost only when all three answered; a project this client created or rebuilt is never rebuilt again, also after it left `trackedProjects`',
  'ProjectsApi.resolveMissing': '`lost` and `unknown` verdicts also carry an `error` (for `lost`, the project-lost `JobError` that `isProjectLostError` accepts); `lost` only when the record, the socket\'s active list and the live lookup all answered (official: also when the list or the lookup failed — here `unknown`); bad ids or options are a `ValidationError`',
  'Job.enhance': 'a parent rendered at a custom size passes its `width`/`height` on (official: only `sizePreset`, so the enhancement renders at the model\'s default size); an unknown `strength` is a `ValidationError` `INVALID_STRENGTH` (official: read as `medium`); refusals are `ValidationError`s with codes (official: plain `Error`s); a trailing `signal`',
  'Job.getResultData': 'no media is a `ValidationError` `NO_RESULT_MEDIA` (official: a plain `Error`); a kept URL that expired is minted again; a trailing `signal`',
  'Job.provenance': 'from a REST record too it keeps only the `JobProvenance` fields (official: the record\'s raw `result` receipt)',
  'ApiClient.auth': 'an `ApiKeyAuthManager` bound to the client for API-key clients (as officially); token and cookie clients get an `AuthManager` with the official `TokenAuthManager`/`CookieAuthManager` members (`kind` says which); `updated` also fires for sign-ins and sign-outs made through the client',
  'ApiClient.rest': 'a `RestClient` (`baseUrl`, `auth`, `get(path, query?, signal?)`, `post(path, body?, {timeoutMs, headers, signal})`, `delete(path, signal?)`) over this SDK\'s REST layer; a path off the API host is a `ValidationError` `INVALID_PATH`; GETs are retried on 429/5xx',
  'ApiClient.attribution': 'the connection attribution goes on the socket URL and the workload attribution on `projects.create`\'s `jobRequest`; chat, hosted chat and workflow requests do not carry it yet (official: they do)',
  'ApiKeyAuthManager.authenticate': 'a key that is not a non-empty string is a `ValidationError` `INVALID_API_KEY`; a trailing `signal` (also on the other async members)',
  'Job (static).fromRaw': 'a `Job` here is a view of its project, so the record joins `options.project` (as the official `_syncToServer` adds the jobs it builds): a job the project has is brought up to date, another one is added and emits `jobStarted`; a completed record is `completed` once its download URL is minted (official: at once, with the record\'s `resultUrl`); `options.api`/`logger` are accepted and not needed; bad input is a `ValidationError`',
  'ApiClient.socket': 'an event feed (`on`/`once`/`off`/`removeAllListeners`) with the methods listed below, not the WebSocket client object'
};

/** Where each group is tested (tests/js, tests/conformance). */
export const TESTED = {
  root: 'surface.test.mjs (helpers, constants), chat.test.mjs, recovery.test.mjs, entities.test.mjs, conformance 13, 19, 20',
  SogniClient: 'pkg.test.mjs, surface.test.mjs, conformance 01–18',
  'SogniClient (static)': 'every test',
  AccountApi: 'pkg.test.mjs, surface.test.mjs, conformance 02, 15, 18',
  CurrentAccount: 'pkg.test.mjs, surface.test.mjs, conformance 15',
  ProjectsApi: 'pkg.test.mjs, video-audio.test.mjs, surface.test.mjs, recovery.test.mjs, conformance 01–08, 16, 19',
  PersonalLoras: 'surface.test.mjs, conformance 16',
  ReusableUploads: 'surface.test.mjs, conformance 16',
  Project: 'pkg.test.mjs, recovery.test.mjs, entities.test.mjs, conformance 01–08, 19, 20',
  Job: 'pkg.test.mjs, entities.test.mjs, conformance 01–08, 20',
  'Job (static)': 'entities.test.mjs',
  ChatApi: 'chat.test.mjs, conformance 09–12',
  'chat.completions': 'chat.test.mjs, conformance 09–11',
  'chat.hosted': 'chat.test.mjs, conformance 12',
  'chat.runs': 'chat.test.mjs, conformance 12',
  ChatToolsApi: 'chat.test.mjs, conformance 10',
  ChatStream: 'chat.test.mjs, conformance 09',
  ChatJobError: 'chat.test.mjs, conformance 09, 12',
  CreativeWorkflowsApi: 'surface.test.mjs, conformance 13, 17',
  CreativeWorkflowTemplatesApi: 'surface.test.mjs, conformance 13, 17',
  ReplayApi: 'surface.test.mjs, conformance 14, 17',
  StatsApi: 'surface.test.mjs, conformance 14',
  AnnouncementsApi: 'surface.test.mjs, conformance 14',
  ApiClient: 'pkg.test.mjs, surface.test.mjs, entities.test.mjs, conformance 14, 15, 20',
  'apiClient.socket': 'surface.test.mjs, conformance 14, 15',
  ApiError: 'pkg.test.mjs, surface.test.mjs, conformance 13–18',
  ApiKeyAuthManager: 'entities.test.mjs, conformance 20',
  'event emitters (groups, entities)': 'pkg.test.mjs, chat.test.mjs, surface.test.mjs'
};
