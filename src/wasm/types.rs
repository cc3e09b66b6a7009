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

/** A logger the client writes to instead of the console. */
export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** `SogniClient.createInstance` options. */
export type SogniClientConfig = ClientConfig & { logger?: Logger };
"#;
