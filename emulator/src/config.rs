//! Emulator settings: users, API keys, balances, timing and limits.
//!
//! Everything has a built-in default, so `sogni-emulator` runs with no flags. A JSON file
//! (`--config FILE`) can replace any part; fields left out keep their defaults.

use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// One account the emulator knows.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserConfig {
    /// Login name (case-insensitive for login, as the wallet is derived from its lowercase form).
    pub username: String,
    /// Password; the account's wallet is derived from `lowercase(username) + password`.
    pub password: String,
    /// E-mail shown by `/v1/account/me`.
    #[serde(default)]
    pub email: Option<String>,
    /// API keys that authenticate as this user.
    #[serde(default)]
    pub api_keys: Vec<String>,
    /// Starting Spark balance, in whole tokens.
    #[serde(default = "default_spark")]
    pub spark: f64,
    /// Starting Sogni balance, in whole tokens.
    #[serde(default = "default_sogni")]
    pub sogni: f64,
}

fn default_spark() -> f64 {
    1000.0
}
fn default_sogni() -> f64 {
    500.0
}

/// How long the emulated render steps take.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimingConfig {
    /// Time a project stays `queued` before its first job starts, in ms.
    pub queue_ms: u64,
    /// Time spent in `initiatingModel`, in ms.
    pub init_ms: u64,
    /// Time per denoising step, in ms (also the upper bound: long jobs get shorter steps).
    pub step_ms: u64,
    /// Upper bound on the whole step phase of one job, in ms.
    pub max_job_ms: u64,
    /// Pause between the last `jobResult` and `jobState jobCompleted`, in ms (the real
    /// server settles billing in between). The official 5.54 client resolves
    /// `waitForCompletion` without the URLs it is still minting when `jobCompleted` follows
    /// a result too closely, so a zero pause makes it drop results now and then.
    pub complete_ms: u64,
    /// Time between two streamed LLM tokens (`jobTokens` frames), in ms.
    pub token_ms: u64,
}

impl Default for TimingConfig {
    fn default() -> Self {
        Self {
            queue_ms: 60,
            init_ms: 40,
            step_ms: 40,
            max_job_ms: 900,
            complete_ms: 100,
            token_ms: 15,
        }
    }
}

impl TimingConfig {
    /// The delay between two progress events of a job with `steps` steps.
    pub fn step_delay(&self, steps: u32) -> Duration {
        let steps = u64::from(steps.max(1));
        Duration::from_millis(self.step_ms.min(self.max_job_ms / steps))
    }
}

/// The whole emulator configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EmulatorConfig {
    /// Users and their API keys.
    pub users: Vec<UserConfig>,
    /// Render timing.
    pub timing: TimingConfig,
    /// Words that make a prompt trip the NSFW filter (case-insensitive, whole words).
    pub nsfw_words: Vec<String>,
    /// Lifetime of presigned upload/download URLs, in seconds.
    pub url_ttl_secs: u64,
    /// Lifetime of access tokens, in seconds.
    pub access_token_ttl_secs: u64,
    /// Lifetime of refresh tokens, in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Largest accepted upload (PUT to a presigned URL), in bytes.
    pub max_upload_bytes: usize,
    /// Largest accepted JSON request body or socket frame, in bytes.
    pub max_request_bytes: usize,
}

/// The built-in demo user's name.
pub const DEMO_USERNAME: &str = "demo";
/// The built-in demo user's password.
pub const DEMO_PASSWORD: &str = "demo-password";
/// The built-in demo user's API key.
pub const DEMO_API_KEY: &str = "demo-api-key";

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            users: vec![
                UserConfig {
                    username: DEMO_USERNAME.into(),
                    password: DEMO_PASSWORD.into(),
                    email: Some("demo@example.test".into()),
                    api_keys: vec![DEMO_API_KEY.into()],
                    spark: default_spark(),
                    sogni: default_sogni(),
                },
                UserConfig {
                    username: "other".into(),
                    password: "other-password".into(),
                    email: Some("other@example.test".into()),
                    api_keys: vec!["other-api-key".into()],
                    spark: default_spark(),
                    sogni: default_sogni(),
                },
            ],
            timing: TimingConfig::default(),
            nsfw_words: vec!["nsfw".into()],
            url_ttl_secs: 30 * 60,
            access_token_ttl_secs: 24 * 3600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            max_upload_bytes: 64 << 20,
            max_request_bytes: 32 << 20,
        }
    }
}

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    /// The file is not valid configuration JSON.
    #[error("invalid configuration in {0}: {1}")]
    Parse(String, serde_json::Error),
    /// Two users share a name or an API key.
    #[error("duplicate user or API key: {0}")]
    Duplicate(String),
}

impl EmulatorConfig {
    /// Reads a JSON configuration file; missing fields keep their defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(name.clone(), e))?;
        let config: Self = serde_json::from_str(&text).map_err(|e| ConfigError::Parse(name, e))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks that user names and API keys are unique.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::HashSet::new();
        for user in &self.users {
            if !seen.insert(format!("user:{}", user.username.to_lowercase())) {
                return Err(ConfigError::Duplicate(user.username.clone()));
            }
            for key in &user.api_keys {
                if !seen.insert(format!("key:{key}")) {
                    return Err(ConfigError::Duplicate(key.clone()));
                }
            }
        }
        Ok(())
    }

    /// Does `prompt` contain one of the NSFW trigger words?
    pub fn is_nsfw(&self, prompt: &str) -> bool {
        prompt
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| self.nsfw_words.iter().any(|w| w.eq_ignore_ascii_case(word)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nsfw_matches_whole_words_case_insensitively() {
        let c = EmulatorConfig::default();
        assert!(c.is_nsfw("a NSFW picture"));
        assert!(c.is_nsfw("nsfw, cat"));
        assert!(!c.is_nsfw("nsfwish cat"));
    }

    #[test]
    fn partial_file_keeps_defaults() {
        let c: EmulatorConfig = serde_json::from_str(r#"{"timing":{"stepMs":5}}"#).unwrap();
        assert_eq!(c.timing.step_ms, 5);
        assert_eq!(c.timing.queue_ms, TimingConfig::default().queue_ms);
        assert_eq!(c.users.len(), 2);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let c: EmulatorConfig = serde_json::from_str(
            r#"{"users":[{"username":"a","password":"x","apiKeys":["k"]},{"username":"b","password":"y","apiKeys":["k"]}]}"#,
        )
        .unwrap();
        assert!(matches!(c.validate(), Err(ConfigError::Duplicate(_))));
    }

    #[test]
    fn long_jobs_get_shorter_steps() {
        let t = TimingConfig::default();
        assert_eq!(t.step_delay(4), Duration::from_millis(40));
        assert_eq!(t.step_delay(90), Duration::from_millis(10));
    }
}
