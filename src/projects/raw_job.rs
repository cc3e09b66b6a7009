//! `Job.fromRaw`: one raw REST job record (`completedWorkerJobs[i]` of a raw project)
//! joins the project it belongs to.

use super::{set, Keys, ProjectState};
use crate::projects::state::Effect;
use crate::Error;
use serde_json::Value;

impl ProjectState {
    /// Adopts a raw job record (`RawJob`) of the raw project record `raw_project` (`RawProject`,
    /// as `GET /v1/projects/{id}` answers): the job is added to this project, or the one with
    /// the same `imgID` brought up to date, exactly as a REST sync would (a completed record
    /// asks for its result URL, nothing finished is downgraded). A pending record (`created`,
    /// `queued`) still yields a pending job. `fallback_id` names a record without `imgID`.
    /// Returns the job's ID and the effects to run.
    pub fn adopt_raw_job(
        &mut self,
        raw_project: &Value,
        raw_job: &Value,
        fallback_id: &str,
        now_ms: f64,
    ) -> Result<(String, Vec<Effect>), Error> {
        if !raw_project.is_object() {
            return Err(Error::invalid(
                "INVALID_RAW_PROJECT",
                "rawProject must be a raw project record (an object)",
            ));
        }
        let Some(job) = raw_job.as_object() else {
            return Err(Error::invalid(
                "INVALID_RAW_JOB",
                "rawJob must be a raw job record (an object)",
            ));
        };
        if let Some(id) = raw_project.get("id").and_then(Value::as_str) {
            if !id.eq_ignore_ascii_case(&self.id) {
                return Err(Error::invalid(
                    "INVALID_RAW_PROJECT",
                    format!(
                        "rawProject is project {id}, not {} (options.project)",
                        self.id
                    ),
                ));
            }
        }
        let img = match job.get("imgID") {
            None | Some(Value::Null) => fallback_id.to_ascii_uppercase(),
            Some(Value::String(s)) if !s.is_empty() => s.to_ascii_uppercase(),
            Some(_) => {
                return Err(Error::invalid(
                    "INVALID_RAW_JOB",
                    "rawJob.imgID must be a non-empty string",
                ))
            }
        };
        let step_count = raw_project.get("stepCount").and_then(Value::as_f64);
        let mut out = Vec::new();
        let replaying = std::mem::replace(&mut self.replaying, true);
        self.sync_job(&img, raw_job, step_count, now_ms, &mut out);
        // The job the record made or updated; a pending record made none yet.
        let idx = self.job_for(&img, None, now_ms, &mut out);
        self.replaying = replaying;
        let Some(idx) = idx else {
            return Err(Error::invalid(
                "INVALID_RAW_JOB",
                "rawJob could not join the project",
            ));
        };
        let seed = raw_job.get("seedUsed").and_then(Value::as_u64);
        self.update_job(idx, now_ms, &mut out, |j, keys: &mut Keys| {
            if j.seed.is_none() && seed.is_some() {
                set(&mut j.seed, seed, "seed", keys);
            }
            if let Some(steps) = step_count.filter(|n| *n > 0.0 && j.step_count == 0) {
                set(&mut j.step_count, steps as u32, "stepCount", keys);
            }
        });
        Ok((img, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projects::state::{JobStatus, ProjectConfig};
    use serde_json::json;

    const P: &str = "6a30cc2a-8d1a-46dc-865f-55af4b34d0dd";

    fn project() -> ProjectState {
        ProjectState::new(ProjectConfig {
            id: P.into(),
            number_of_media: 2,
            steps: None,
            number_of_previews: None,
            disable_nsfw_filter: false,
        })
    }

    fn raw_job(img: &str, status: &str) -> Value {
        json!({"imgID": img, "status": status, "performedSteps": 20, "seedUsed": 42,
               "worker": {"name": "w1"}, "triggeredNSFWFilter": false, "resultUrl": null})
    }

    #[test]
    fn a_completed_record_becomes_a_completed_job_that_asks_for_its_url() {
        let mut p = project();
        let (id, out) = p
            .adopt_raw_job(
                &json!({"id": P, "stepCount": 20}),
                &raw_job("ab-1", "jobCompleted"),
                "x",
                1.0,
            )
            .unwrap();
        assert_eq!(id, "AB-1");
        assert!(out
            .iter()
            .any(|e| matches!(e, Effect::FetchResultUrl { job_id } if job_id == "AB-1")));
        // Completed once its URL is minted, as a tracked job.
        assert_eq!(p.job("AB-1").unwrap().status, JobStatus::Pending);
        p.set_result_url("AB-1", Some("https://cdn.example/ab-1.png".into()), 2.0);
        let job = p.job("AB-1").expect("the job joined the project");
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(
            job.result_url.as_deref(),
            Some("https://cdn.example/ab-1.png")
        );
        assert_eq!(job.seed, Some(42));
        assert_eq!(job.worker_name.as_deref(), Some("w1"));
    }

    #[test]
    fn pending_and_processing_records_keep_their_status_and_steps() {
        let mut p = project();
        let raw = json!({"id": P, "stepCount": 30});
        p.adopt_raw_job(&raw, &raw_job("q-1", "queued"), "x", 1.0)
            .unwrap();
        p.adopt_raw_job(&raw, &raw_job("r-1", "jobProgress"), "x", 1.0)
            .unwrap();
        let queued = p.job("Q-1").unwrap();
        assert_eq!(queued.status, JobStatus::Pending);
        assert_eq!(queued.seed, Some(42));
        assert_eq!(queued.step_count, 30);
        let running = p.job("R-1").unwrap();
        assert_eq!(running.status, JobStatus::Processing);
        assert_eq!((running.step, running.step_count), (20, 30));
        assert_eq!(p.jobs().len(), 2);
    }

    #[test]
    fn the_same_record_twice_is_one_job_and_finished_jobs_stay_finished() {
        let mut p = project();
        let raw = json!({"id": P});
        p.adopt_raw_job(&raw, &raw_job("c-1", "jobCompleted"), "x", 1.0)
            .unwrap();
        p.set_result_url("C-1", Some("https://cdn.example/c-1.png".into()), 1.5);
        p.adopt_raw_job(&raw, &raw_job("c-1", "jobStarted"), "x", 2.0)
            .unwrap();
        assert_eq!(p.jobs().len(), 1);
        assert_eq!(p.job("C-1").unwrap().status, JobStatus::Completed);
    }

    #[test]
    fn a_record_without_img_id_takes_the_fallback_id() {
        let mut p = project();
        let mut job = raw_job("", "queued");
        job.as_object_mut().unwrap().remove("imgID");
        let (id, _) = p.adopt_raw_job(&json!({}), &job, "fresh-id", 1.0).unwrap();
        assert_eq!(id, "FRESH-ID");
        assert!(p.job("FRESH-ID").is_some());
    }

    #[test]
    fn bad_records_are_refused_with_a_code() {
        let mut p = project();
        let code = |r: Result<(String, Vec<Effect>), Error>| match r {
            Err(Error::InvalidInput { code, .. }) => code,
            other => panic!("expected a validation error, got {other:?}"),
        };
        let job = raw_job("a", "queued");
        assert_eq!(
            code(p.adopt_raw_job(&json!(null), &job, "x", 1.0)),
            "INVALID_RAW_PROJECT"
        );
        assert_eq!(
            code(p.adopt_raw_job(&json!({"id": "other"}), &job, "x", 1.0)),
            "INVALID_RAW_PROJECT"
        );
        assert_eq!(
            code(p.adopt_raw_job(&json!({}), &json!("a"), "x", 1.0)),
            "INVALID_RAW_JOB"
        );
        assert_eq!(
            code(p.adopt_raw_job(&json!({}), &json!({"imgID": 5}), "x", 1.0)),
            "INVALID_RAW_JOB"
        );
        assert!(p.jobs().is_empty());
    }
}
