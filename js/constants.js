// The official package's constant exports, as plain JavaScript values (wasm-bindgen can
// export functions and classes, not constants). Re-exported by every package entry.

/** Subscription error codes (`ErrorData.code`, socket `error_code`, REST `error.code`). */
export const SUBSCRIPTION_ERROR_CODES = Object.freeze({
  NOT_ENTITLED: 4078,
  QUEUE_CAP: 4079,
  GRACE_RETRY: 4080,
  SUBSCRIPTION_FEATURE_REQUIRES_UPGRADE: 4081
});

/** `ChatJobError.errorType`s worth retrying. */
export const RETRYABLE_CHAT_ERROR_TYPES = Object.freeze(['server_restarting', 'transport_lost']);

/** Model ids of the 5.54 media workflows. */
export const FLASHVSR_VIDEO_UPSCALE_MODEL_ID = 'flashvsr_v1.1_tiny_long_bf16';
export const SAM3_IMAGE_SEGMENT_MODEL_ID = 'sam3_image_segment_bf16';
export const BIREFNET_BACKGROUND_REMOVAL_MODEL_ID = 'birefnet_image_background_removal_fp16';
export const MINIMAX_H3_FASTH3_IA2V_MODEL_ID = 'minimax-h3-fastvideo-int8_ia2v_turbo';
export const MINIMAX_H3_FASTH3_FLFA2V_MODEL_ID = 'minimax-h3-fastvideo-int8_flfa2v_turbo';
export const MINIMAX_H3_FASTH3_A2V_MODEL_ID = 'minimax-h3-fastvideo-int8_a2v_turbo';
export const PIXAL3D_IMAGE_TO_3D_MODEL_ID = 'pixal3d_int8_i23d';
export const PIXAL3D_MULTIVIEW_IMAGE_TO_3D_MODEL_ID = 'pixal3d_multiview_int8_i23d';

/** `originalCode` of the error a project fails with when the server has no record of it (see `isProjectLostError`). */
export const PROJECT_LOST_ORIGINAL_CODE = 'projectLost';

/** Pixal3D multi-view orbit views and their `contextImage<slot>` upload slots. */
export const PIXAL3D_ORBIT_VIEW_SLOTS = Object.freeze({ leftViewImage: 1, backViewImage: 2, rightViewImage: 3 });

// `ChatJobError.subscriptionErrorCode`: the code as a number when it is a subscription
// error (4078–4081), else undefined. The SDK's own errors carry the field already (the
// setter keeps that working); this getter covers errors built by hand.
import { ChatJobError } from './runtime.js';
if (!Object.getOwnPropertyDescriptor(ChatJobError.prototype, 'subscriptionErrorCode')) {
  Object.defineProperty(ChatJobError.prototype, 'subscriptionErrorCode', {
    configurable: true,
    get() {
      if (!this.code) return undefined;
      const numeric = Number(this.code);
      return Object.values(SUBSCRIPTION_ERROR_CODES).includes(numeric) ? numeric : undefined;
    },
    set(value) {
      Object.defineProperty(this, 'subscriptionErrorCode', { value, writable: true, enumerable: true, configurable: true });
    }
  });
}
