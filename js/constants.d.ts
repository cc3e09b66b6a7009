export declare const SUBSCRIPTION_ERROR_CODES: {
  readonly NOT_ENTITLED: 4078;
  readonly QUEUE_CAP: 4079;
  readonly GRACE_RETRY: 4080;
  readonly SUBSCRIPTION_FEATURE_REQUIRES_UPGRADE: 4081;
};
export declare const RETRYABLE_CHAT_ERROR_TYPES: readonly string[];
export declare const FLASHVSR_VIDEO_UPSCALE_MODEL_ID = 'flashvsr_v1.1_tiny_long_bf16';
export declare const SAM3_IMAGE_SEGMENT_MODEL_ID = 'sam3_image_segment_bf16';
export declare const BIREFNET_BACKGROUND_REMOVAL_MODEL_ID = 'birefnet_image_background_removal_fp16';
export declare const MINIMAX_H3_FASTH3_IA2V_MODEL_ID = 'minimax-h3-fastvideo-int8_ia2v_turbo';
export declare const MINIMAX_H3_FASTH3_FLFA2V_MODEL_ID = 'minimax-h3-fastvideo-int8_flfa2v_turbo';
export declare const MINIMAX_H3_FASTH3_A2V_MODEL_ID = 'minimax-h3-fastvideo-int8_a2v_turbo';
export declare const PIXAL3D_IMAGE_TO_3D_MODEL_ID = 'pixal3d_int8_i23d';
export declare const PIXAL3D_MULTIVIEW_IMAGE_TO_3D_MODEL_ID = 'pixal3d_multiview_int8_i23d';
/** `originalCode` of the error a project fails with when the server has no record of it. */
export declare const PROJECT_LOST_ORIGINAL_CODE: 'projectLost';
export declare const PIXAL3D_ORBIT_VIEW_SLOTS: { readonly leftViewImage: 1; readonly backViewImage: 2; readonly rightViewImage: 3 };
