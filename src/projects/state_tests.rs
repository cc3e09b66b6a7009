//! Tests of the project state machine: recorded and hand-written event sequences.

use super::*;
use crate::protocol::events::parse_event;
use serde_json::{json, Value};

const P: &str = "6A30CC2A-8D1A-46DC-865F-55AF4B34D0DD";

fn config(n: u32, steps: Option<u32>) -> ProjectConfig {
    ProjectConfig {
        id: P.to_lowercase(),
        number_of_media: n,
        steps,
        number_of_previews: None,
        disable_nsfw_filter: false,
    }
}

fn project(n: u32, steps: Option<u32>) -> ProjectState {
    ProjectState::new(config(n, steps))
}

fn ev(kind: &str, mut data: Value) -> ServerEvent {
    if data.get("jobID").is_none() {
        data["jobID"] = json!(P);
    }
    parse_event(kind, &data).expect("test frames parse")
}

fn url_for(job: &str) -> String {
    format!("https://cdn.example/{job}.png")
}

/// Applies one frame; result URLs requested by it are minted at once.
fn step(state: &mut ProjectState, kind: &str, data: Value, now: f64) -> Vec<Effect> {
    let mut out = state.apply(&ev(kind, data), now);
    let fetches: Vec<String> = out
        .iter()
        .filter_map(|e| match e {
            Effect::FetchResultUrl { job_id } => Some(job_id.clone()),
            _ => None,
        })
        .collect();
    for job in fetches {
        out.extend(state.set_result_url(&job, Some(url_for(&job)), now));
    }
    out
}

/// Applies frames (`now` grows by 10 ms each), minting result URLs at once.
fn run(state: &mut ProjectState, frames: &[(&str, Value)]) -> Vec<Effect> {
    let mut out = Vec::new();
    for (i, (kind, data)) in frames.iter().enumerate() {
        out.extend(step(state, kind, data.clone(), 1_000.0 + 10.0 * i as f64));
    }
    out
}

fn project_events(effects: &[Effect]) -> Vec<ProjectEvent> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Emit(PublicEvent::Project(p)) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn job_events(effects: &[Effect], job: &str) -> Vec<JobEvent> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Emit(PublicEvent::Job { job_id, event }) if job_id == job => {
                Some(event.clone())
            }
            _ => None,
        })
        .collect()
}

fn progress_events(effects: &[Effect]) -> Vec<u32> {
    project_events(effects)
        .into_iter()
        .filter_map(|e| match e {
            ProjectEvent::Progress(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn completions(effects: &[Effect]) -> Vec<Vec<String>> {
    project_events(effects)
        .into_iter()
        .filter_map(|e| match e {
            ProjectEvent::Completed(urls) => Some(urls),
            _ => None,
        })
        .collect()
}

fn failures(effects: &[Effect]) -> Vec<Error> {
    project_events(effects)
        .into_iter()
        .filter_map(|e| match e {
            ProjectEvent::Failed(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn count(effects: &[Effect], wanted: &Effect) -> usize {
    effects.iter().filter(|e| *e == wanted).count()
}

fn started(img: &str, index: i64) -> (&'static str, Value) {
    (
        "jobState",
        json!({"type":"jobStarted","imgID":img,"workerName":"w","jobIndex":index}),
    )
}

fn progress(img: &str, step: u32, of: u32) -> (&'static str, Value) {
    (
        "jobProgress",
        json!({"imgID":img,"step":step,"stepCount":of}),
    )
}

fn result(img: &str) -> (&'static str, Value) {
    (
        "jobResult",
        json!({"imgID":img,"performedStepCount":4,"lastSeed":"42","triggeredNSFWFilter":false}),
    )
}

fn completed() -> (&'static str, Value) {
    ("jobState", json!({"type":"jobCompleted"}))
}

/// A finished project's record (`/v1/projects/{id}` answer) with these completed jobs.
fn completed_record(jobs: &[&str]) -> Value {
    let jobs: Vec<Value> = jobs
        .iter()
        .map(|j| json!({"imgID": j, "status": "jobCompleted", "performedSteps": 4}))
        .collect();
    json!({"data":{"project":{"id":P,"status":"completed","completedWorkerJobs":jobs}}})
}

fn job_error(img: Option<&str>, error: Value) -> (&'static str, Value) {
    let mut data = json!({"isFromWorker":true,"error":error,"error_message":"boom"});
    if let Some(img) = img {
        data["imgID"] = json!(img);
    }
    ("jobError", data)
}

// ------------------------------------------------------------------ recorded

#[test]
fn emulator_recording_completes_with_both_urls() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/emulator-2-jobs.json")).unwrap();
    let id = fixture["projectId"].as_str().unwrap();
    let mut state = ProjectState::new(ProjectConfig {
        id: id.into(),
        number_of_media: 2,
        steps: Some(4),
        number_of_previews: Some(1),
        disable_nsfw_filter: false,
    });
    let mut out = Vec::new();
    let mut previews = 0;
    for (i, frame) in fixture["events"].as_array().unwrap().iter().enumerate() {
        let event = parse_event(frame["type"].as_str().unwrap(), &frame["data"]).unwrap();
        let now = 1_000.0 + 10.0 * i as f64;
        let effects = state.apply(&event, now);
        for effect in &effects {
            match effect {
                Effect::FetchResultUrl { job_id } => {
                    out.extend(state.set_result_url(job_id, Some(url_for(job_id)), now))
                }
                Effect::FetchPreviewUrl { job_id } => {
                    previews += 1;
                    out.extend(state.set_preview_url(job_id, format!("preview:{job_id}"), now));
                }
                _ => {}
            }
        }
        out.extend(effects);
    }
    let ids: Vec<&str> = state.jobs().iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(previews, 2);
    assert_eq!(state.status(), ProjectStatus::Completed);
    let urls: Vec<String> = ids.iter().map(|j| url_for(j)).collect();
    assert_eq!(state.completion(), Some(Ok(urls.clone())));
    assert_eq!(completions(&out), vec![urls]);
    assert_eq!(count(&out, &Effect::SyncRecord), 1);
    let p = progress_events(&out);
    assert!(p.windows(2).all(|w| w[0] <= w[1]), "{p:?}");
    assert_eq!(p.last(), Some(&100));
    for job in state.jobs() {
        assert_eq!(job.step, 4);
        assert!(job.seed.is_some());
        assert_eq!(job.status, JobStatus::Completed);
        assert!(job.preview_url.is_some());
        assert!(job.job_index.is_some());
    }
    let started: Vec<_> = project_events(&out)
        .into_iter()
        .filter(|e| matches!(e, ProjectEvent::JobStarted(_)))
        .collect();
    assert_eq!(started.len(), 2);

    // The one-off REST sync afterwards changes nothing that matters.
    let after = state.sync_from_record(&fixture["record"], 9_000.0).unwrap();
    assert!(completions(&after).is_empty());
    assert!(!after
        .iter()
        .any(|e| matches!(e, Effect::FetchResultUrl { .. })));
    assert_eq!(state.result_urls().len(), 2);
}

#[test]
fn emulator_recording_without_events_recovers_from_the_record() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/emulator-2-jobs.json")).unwrap();
    let id = fixture["projectId"].as_str().unwrap();
    let mut state = ProjectState::new(ProjectConfig {
        id: id.into(),
        number_of_media: 1,
        steps: None,
        number_of_previews: None,
        disable_nsfw_filter: false,
    });
    let out = state.sync_from_record(&fixture["record"], 5_000.0).unwrap();
    assert_eq!(state.number_of_media(), 2, "imageCount from the record");
    assert_eq!(state.steps(), Some(4));
    let fetches: Vec<String> = out
        .iter()
        .filter_map(|e| match e {
            Effect::FetchResultUrl { job_id } => Some(job_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fetches.len(), 2);
    assert_eq!(state.status(), ProjectStatus::Completed);
    assert_eq!(state.completion(), None, "waits for the minted URLs");
    let mut rest = state.set_result_url(&fetches[0], Some(url_for(&fetches[0])), 5_001.0);
    assert!(completions(&rest).is_empty());
    rest.extend(state.set_result_url(&fetches[1], Some(url_for(&fetches[1])), 5_002.0));
    assert_eq!(completions(&rest).len(), 1);
    assert_eq!(state.result_urls().len(), 2);
    assert_eq!(
        state.jobs()[0].worker_name.as_deref(),
        Some("emulator-worker-1")
    );
}

// ------------------------------------------------------------------ progress

#[test]
fn two_media_progress_goes_25_50_75() {
    let mut state = project(2, Some(4));
    let j1 = "J1";
    let out = run(&mut state, &[started(j1, 0), progress(j1, 2, 4)]);
    assert_eq!(state.progress(0.0), 25);
    assert_eq!(progress_events(&out), vec![0, 25]);
    let out = run(&mut state, &[result(j1)]);
    assert_eq!(progress_events(&out), vec![50]);
    let out = run(&mut state, &[started("J2", 1), progress("J2", 2, 4)]);
    assert_eq!(progress_events(&out), vec![75]);
    let out = run(&mut state, &[result("J2"), completed()]);
    assert_eq!(progress_events(&out), vec![100]);
    assert_eq!(completions(&out).len(), 1);
}

#[test]
fn external_progress_fraction_reads_as_percent() {
    let mut state = project(1, None);
    let out = run(
        &mut state,
        &[("jobProgress", json!({"imgID":"j","progress":0.3}))],
    );
    assert_eq!(state.jobs()[0].progress(0.0), 30);
    assert_eq!(state.progress(0.0), 30);
    assert_eq!(job_events(&out, "J")[0], JobEvent::Progress(30));
    assert_eq!(state.status(), ProjectStatus::Processing);
    assert_eq!(state.jobs()[0].status, JobStatus::Processing);
}

#[test]
fn eta_only_progress_is_estimated_from_time() {
    let mut state = project(1, None);
    let out = state.apply(&ev("jobETA", json!({"imgID":"j","etaSeconds":10})), 0.0);
    let job = &state.jobs()[0];
    assert_eq!(job.eta, Some(10_000.0));
    assert_eq!(job.eta_started_at, Some(0.0));
    assert_eq!(job.eta_seconds, Some(10.0));
    assert_eq!(job.status, JobStatus::Pending);
    assert_eq!(
        job_events(&out, "J")[0],
        JobEvent::Progress(1),
        "a lone ETA gives 1"
    );
    assert_eq!(state.eta(), Some(10_000.0));
    assert_eq!(state.progress(5_000.0), 50);
    assert_eq!(state.progress(60_000.0), 95);
    // The same ETA again changes nothing.
    let again = state.apply(&ev("jobETA", json!({"imgID":"j","etaSeconds":5})), 5_000.0);
    assert!(job_events(&again, "J").is_empty());
    // A new ETA keeps the first start time.
    state.apply(&ev("jobETA", json!({"imgID":"j","etaSeconds":15})), 5_000.0);
    assert_eq!(state.jobs()[0].eta_started_at, Some(0.0));
    assert_eq!(state.progress(10_000.0), 50);
}

#[test]
fn eta_without_img_id_creates_no_phantom_job() {
    let mut state = project(1, Some(4));
    let out = state.apply(&ev("jobETA", json!({"etaSeconds":10})), 5.0);
    assert!(out.is_empty());
    assert!(state.jobs().is_empty());
    assert_eq!(
        state.last_update_ms(),
        Some(5.0),
        "it still keeps the project alive"
    );
    let out = run(&mut state, &[started("J", 0), result("J"), completed()]);
    assert_eq!(completions(&out), vec![vec![url_for("J")]]);
}

// ------------------------------------------------------------------ ordering

#[test]
fn out_of_order_frames() {
    let mut state = project(2, Some(4));
    // A result before anything else about the job.
    let out = run(&mut state, &[result("J1")]);
    assert_eq!(state.jobs().len(), 1);
    assert_eq!(state.jobs()[0].status, JobStatus::Completed);
    assert_eq!(
        project_events(&out)[0],
        ProjectEvent::JobStarted("J1".into())
    );
    // Its late jobStarted and progress do not reopen it.
    let out = run(&mut state, &[started("J1", 0), progress("J1", 1, 4)]);
    assert_eq!(state.jobs()[0].status, JobStatus::Completed);
    assert_eq!(state.jobs()[0].step, 4);
    assert!(job_events(&out, "J1")
        .iter()
        .all(|e| matches!(e, JobEvent::Updated(k) if k == &vec!["workerName", "jobIndex"])));
    // jobCompleted before the second job's result.
    let out = run(&mut state, &[started("J2", 1), completed()]);
    assert_eq!(state.status(), ProjectStatus::Completed);
    assert!(completions(&out).is_empty());
    assert_eq!(state.completion(), None);
    let out = run(&mut state, &[result("J2")]);
    assert_eq!(completions(&out), vec![vec![url_for("J1"), url_for("J2")]]);
    // Progress after the result changes nothing.
    let out = run(&mut state, &[progress("J2", 2, 4)]);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn duplicates_count_once() {
    let mut state = project(1, Some(4));
    let out = state.apply(&ev(result("J").0, result("J").1), 1.0);
    assert_eq!(
        count(&out, &Effect::FetchResultUrl { job_id: "J".into() }),
        1
    );
    // The same result while its URL is being minted.
    let again = state.apply(&ev(result("J").0, result("J").1), 2.0);
    assert!(again.is_empty());
    let done = state.set_result_url("J", Some(url_for("J")), 3.0);
    assert_eq!(
        job_events(&done, "J")
            .iter()
            .filter(|e| matches!(e, JobEvent::Completed(_)))
            .count(),
        1
    );
    // And once more after it finished.
    let late = state.apply(&ev(result("J").0, result("J").1), 4.0);
    assert!(late.is_empty());
    let mut out = run(&mut state, &[completed(), completed()]);
    out.extend(run(&mut state, &[result("J")]));
    assert_eq!(completions(&out).len(), 1);
    assert_eq!(state.result_urls(), vec![url_for("J")]);
    assert_eq!(state.jobs().len(), 1);
    // A stray URL for a finished job that already has one changes nothing.
    assert!(state.set_result_url("J", Some("x".into()), 5.0).is_empty());
}

#[test]
fn event_order_matches_the_official_emitters() {
    let mut state = project(1, Some(4));
    run(
        &mut state,
        &[started("J", 0), progress("J", 2, 4), completed()],
    );
    let out = run(
        &mut state,
        &[(
            "jobResult",
            json!({"imgID":"J","resultUrl":"https://direct/x.png","performedStepCount":4}),
        )],
    );
    let expected = vec![
        Effect::Emit(PublicEvent::Job {
            job_id: "J".into(),
            event: JobEvent::Progress(100),
        }),
        Effect::Emit(PublicEvent::Job {
            job_id: "J".into(),
            event: JobEvent::Completed(Some("https://direct/x.png".into())),
        }),
        project_event(ProjectEvent::JobCompleted("J".into())),
        project_event(ProjectEvent::Completed(vec!["https://direct/x.png".into()])),
        project_event(ProjectEvent::Updated(vec!["jobs"])),
        Effect::Emit(PublicEvent::Job {
            job_id: "J".into(),
            event: JobEvent::Updated(vec!["step", "resultUrl", "status"]),
        }),
    ];
    assert_eq!(out, expected);
}

#[test]
fn events_for_other_projects_and_bad_jobs_are_ignored() {
    let mut state = project(1, Some(4));
    let other = parse_event("jobResult", &json!({"jobID":"other","imgID":"j"})).unwrap();
    assert!(state.apply(&other, 1.0).is_empty());
    let balance = parse_event("balanceUpdate", &json!({})).unwrap();
    assert!(state.apply(&balance, 1.0).is_empty());
    assert!(state
        .apply(&ev("jobProgress", json!({"step":1})), 1.0)
        .is_empty());
    assert!(state
        .apply(&ev("jobState", json!({"type":"jobStarted"})), 1.0)
        .is_empty());
    assert!(state
        .apply(&ev("jobState", json!({"type":"brandNew"})), 1.0)
        .is_empty());
    assert!(state.jobs().is_empty());
    assert_eq!(state.last_update_ms(), Some(1.0));
}

// ------------------------------------------------------------------ queue

#[test]
fn queued_sets_and_first_job_event_clears_the_estimate() {
    let mut state = project(1, Some(4));
    let out = state.apply(
        &ev(
            "jobState",
            json!({"type":"queued","queuePosition":3,"estimatedStartSeconds":5,"queueStatus":"waiting"}),
        ),
        1_000.0,
    );
    assert_eq!(state.status(), ProjectStatus::Queued);
    assert_eq!(state.queue_position(), 3);
    assert_eq!(state.estimated_start_at(), Some(6_000.0));
    assert_eq!(state.queue_status(), Some(QueueStatus::Waiting));
    assert_eq!(
        project_events(&out),
        vec![
            ProjectEvent::Progress(0),
            ProjectEvent::Updated(vec![
                "status",
                "queuePosition",
                "queueStatus",
                "estimatedStartAt"
            ])
        ]
    );
    state.apply(
        &ev(
            "jobState",
            json!({"type":"queued","queuePosition":2,"queueStatus":"mystery"}),
        ),
        2_000.0,
    );
    assert_eq!(state.queue_status(), None, "unknown values are dropped");
    assert_eq!(state.estimated_start_at(), None);
    state.apply(
        &ev(
            "jobState",
            json!({"type":"queued","queuePosition":1,"estimatedStartSeconds":2,"queueStatus":"no-workers"}),
        ),
        2_000.0,
    );
    let out = state.apply(
        &ev(
            "jobState",
            json!({"type":"initiatingModel","imgID":"j","workerName":"w"}),
        ),
        3_000.0,
    );
    assert_eq!(state.estimated_start_at(), None);
    assert_eq!(state.queue_status(), None);
    assert!(project_events(&out).contains(&ProjectEvent::Updated(vec![
        "estimatedStartAt",
        "queueStatus"
    ])));
    assert_eq!(state.jobs()[0].status, JobStatus::Initiating);
    assert_eq!(
        state.status(),
        ProjectStatus::Queued,
        "as in the official client"
    );
}

// ------------------------------------------------------------------ NSFW

#[test]
fn nsfw_withheld_without_the_disable_flag() {
    let mut state = project(1, Some(4));
    let out = run(
        &mut state,
        &[
            started("J", 0),
            (
                "jobResult",
                json!({"imgID":"J","triggeredNSFWFilter":true,"performedStepCount":4}),
            ),
            completed(),
        ],
    );
    assert!(!out
        .iter()
        .any(|e| matches!(e, Effect::FetchResultUrl { .. })));
    let job = &state.jobs()[0];
    assert!(job.is_nsfw && job.is_withheld());
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(job.result_url, None);
    assert_eq!(completions(&out), vec![Vec::<String>::new()]);
}

#[test]
fn nsfw_with_the_disable_flag_still_mints_the_url() {
    let mut state = ProjectState::new(ProjectConfig {
        disable_nsfw_filter: true,
        ..config(1, Some(4))
    });
    let out = run(
        &mut state,
        &[
            ("jobResult", json!({"imgID":"J","triggeredNSFWFilter":true})),
            completed(),
        ],
    );
    assert_eq!(
        count(&out, &Effect::FetchResultUrl { job_id: "J".into() }),
        1
    );
    assert!(state.jobs()[0].is_nsfw);
    assert_eq!(completions(&out), vec![vec![url_for("J")]]);
}

#[test]
fn nsfw_detected_media_was_delivered() {
    // 5.54: `nsfwDetected` labels media that exists even with the filter on the client.
    let mut state = project(1, Some(4));
    let out = run(
        &mut state,
        &[
            (
                "jobResult",
                json!({"imgID":"J","triggeredNSFWFilter":true,"nsfwDetected":true,"nsfwSources":["image"]}),
            ),
            completed(),
        ],
    );
    assert_eq!(completions(&out), vec![vec![url_for("J")]]);
    let job = &state.jobs()[0];
    assert!(job.nsfw_detected && !job.is_withheld());
    assert_eq!(job.nsfw_sources, vec!["image".to_string()]);
}

#[test]
fn user_canceled_result_cancels_the_job() {
    let mut state = project(1, Some(4));
    let out = run(
        &mut state,
        &[
            started("J", 0),
            ("jobResult", json!({"imgID":"J","userCanceled":true})),
            completed(),
        ],
    );
    assert!(!out
        .iter()
        .any(|e| matches!(e, Effect::FetchResultUrl { .. })));
    assert_eq!(state.jobs()[0].status, JobStatus::Canceled);
    assert!(!project_events(&out)
        .iter()
        .any(|e| matches!(e, ProjectEvent::JobCompleted(_))));
    assert_eq!(completions(&out), vec![Vec::<String>::new()]);
}

// ------------------------------------------------------------------ failures

#[test]
fn one_job_failing_of_two_does_not_fail_the_project() {
    let mut state = project(2, Some(4));
    let out = run(
        &mut state,
        &[
            started("J1", 0),
            started("J2", 1),
            job_error(Some("J1"), json!("workerDisconnected")),
        ],
    );
    assert_eq!(state.jobs()[0].status, JobStatus::Failed);
    assert_eq!(
        state.jobs()[0].error,
        Some(Error::Job {
            code: 5002,
            original_code: Some("workerDisconnected".into()),
            message: "boom".into()
        })
    );
    assert_ne!(state.status(), ProjectStatus::Failed);
    assert!(project_events(&out).contains(&ProjectEvent::JobFailed("J1".into())));
    assert!(failures(&out).is_empty());
    // A late error for a finished job changes nothing.
    let late = run(&mut state, &[job_error(Some("J1"), json!(1))]);
    assert!(late.is_empty());
    let out = run(&mut state, &[result("J2"), completed()]);
    assert_eq!(completions(&out), vec![vec![url_for("J2")]]);
}

#[test]
fn all_jobs_failing_fails_the_project_once() {
    let mut state = project(2, Some(4));
    let mut out = run(
        &mut state,
        &[
            job_error(Some("J1"), json!(4081)),
            job_error(Some("J2"), json!("jobTimedOut")),
        ],
    );
    assert_eq!(state.status(), ProjectStatus::Failed);
    let expected = Error::Job {
        code: 5003,
        original_code: Some("jobTimedOut".into()),
        message: "boom".into(),
    };
    assert_eq!(failures(&out), vec![expected.clone()]);
    assert_eq!(state.completion(), Some(Err(expected)));
    out = run(&mut state, &[completed(), job_error(None, json!(1))]);
    assert!(failures(&out).is_empty() && completions(&out).is_empty());
    assert_eq!(state.status(), ProjectStatus::Failed);
}

#[test]
fn a_single_media_job_error_fails_the_project() {
    let mut state = project(1, Some(4));
    let out = run(
        &mut state,
        &[started("J", 0), job_error(Some("J"), json!("genfailure"))],
    );
    assert_eq!(failures(&out).len(), 1);
    assert_eq!(state.status(), ProjectStatus::Failed);
    assert_eq!(count(&out, &Effect::SyncRecord), 1);
}

#[test]
fn project_level_error_fails_at_once() {
    let mut state = project(2, Some(4));
    let out = run(
        &mut state,
        &[
            ("jobState", json!({"type":"queued","queuePosition":1})),
            started("J1", 0),
            (
                "jobError",
                json!({"error":4081,"error_message":"4K needs Pro","subscriptionLimit":true,"requiredPlans":["pro"]}),
            ),
        ],
    );
    let expected = Error::Job {
        code: 4081,
        original_code: None,
        message: "4K needs Pro".into(),
    };
    assert_eq!(failures(&out), vec![expected.clone()]);
    assert_eq!(state.error(), Some(&expected));
    assert_eq!(state.completion(), Some(Err(expected)));
    // Results after a failure do not complete it.
    let out = run(&mut state, &[result("J1"), result("J2"), completed()]);
    assert!(completions(&out).is_empty());
}

#[test]
fn server_restarting_before_admission_asks_for_a_few_resubmits() {
    let mut state = project(1, Some(4));
    for _ in 0..crate::projects::state::MAX_RESUBMITS {
        let out = run(&mut state, &[job_error(None, json!(1001))]);
        assert_eq!(out, vec![Effect::Resubmit]);
        assert_eq!(state.status(), ProjectStatus::Pending);
    }
    let out = run(&mut state, &[job_error(None, json!(1001))]);
    assert_eq!(failures(&out).len(), 1, "then the refusal fails it");

    let mut admitted = project(1, Some(4));
    let out = run(
        &mut admitted,
        &[
            ("jobState", json!({"type":"queued","queuePosition":1})),
            job_error(None, json!(1001)),
        ],
    );
    assert_eq!(failures(&out).len(), 1, "an admitted project just fails");
}

#[test]
fn watchdog_failures() {
    let mut state = project(2, Some(4));
    run(&mut state, &[started("J1", 0), result("J2")]);
    let timed_out = Error::Job {
        code: 0,
        original_code: None,
        message: "Job timed out".into(),
    };
    let out = state.fail_jobs(timed_out.clone(), 50.0);
    assert_eq!(
        job_events(&out, "J1")[0],
        JobEvent::Failed(timed_out.clone())
    );
    assert!(job_events(&out, "J2").is_empty(), "finished jobs are kept");
    let project_error = Error::Timeout {
        message: "Project timed out".into(),
    };
    let out = state.fail(project_error.clone(), 60.0);
    assert_eq!(failures(&out), vec![project_error.clone()]);
    assert!(state.fail(timed_out, 70.0).is_empty());
    assert_eq!(state.completion(), Some(Err(project_error)));
}

// ------------------------------------------------------------------ cancel

#[test]
fn cancel_confirmation_cancels_and_rejects() {
    let mut state = project(2, Some(4));
    run(
        &mut state,
        &[started("J1", 0), progress("J1", 1, 4), result("J2")],
    );
    let out = state.cancel_confirmed(100.0);
    assert_eq!(state.status(), ProjectStatus::Canceled);
    assert_eq!(state.jobs()[0].status, JobStatus::Canceled);
    assert_eq!(state.jobs()[1].status, JobStatus::Completed);
    assert!(failures(&out).is_empty(), "no `failed` event for a cancel");
    assert_eq!(
        state.completion(),
        Some(Err(Error::Aborted {
            message: "Project canceled".into()
        }))
    );
    assert!(state.is_settled());
    // Later frames for the project change nothing.
    assert!(run(&mut state, &[result("J1"), completed()]).is_empty());
    assert!(state.cancel_confirmed(200.0).is_empty());
    assert!(state.set_result_url("J1", Some("x".into()), 1.0).is_empty());
}

#[test]
fn cancel_after_completion_is_a_no_op() {
    let mut state = project(1, Some(4));
    run(&mut state, &[result("J"), completed()]);
    assert!(state.cancel_confirmed(1.0).is_empty());
    assert_eq!(state.completion(), Some(Ok(vec![url_for("J")])));
}

#[test]
fn cancel_confirmation_frames_are_left_to_the_caller() {
    let mut state = project(1, Some(4));
    let out = run(
        &mut state,
        &[("artistCancelConfirmation", json!({"didCancel":true}))],
    );
    assert!(out.is_empty());
    assert_eq!(state.status(), ProjectStatus::Pending);
}

// ------------------------------------------------------------------ jobRetry

#[test]
fn job_retry_moves_the_render_to_a_new_attempt() {
    let mut state = project(1, Some(4));
    run(
        &mut state,
        &[
            started("A1", 0),
            progress("A1", 3, 4),
            ("jobETA", json!({"imgID":"A1","etaSeconds":3})),
        ],
    );
    let out = run(
        &mut state,
        &[(
            "jobRetry",
            json!({"imgID":"A1","jobIndex":0,"attempt":1,"maxAttempts":3,"isFromWorker":true,"error":"workerDisconnected","error_message":"gone"}),
        )],
    );
    assert!(failures(&out).is_empty());
    let job = &state.jobs()[0];
    assert_eq!(job.status, JobStatus::Pending);
    assert_eq!(
        (job.step, job.eta, job.worker_name.clone()),
        (0, None, None)
    );
    assert_eq!(state.eta(), None);
    assert_ne!(state.status(), ProjectStatus::Failed);
    // The new worker mints a new imgID; jobIndex reclaims the same job.
    let out = run(
        &mut state,
        &[(
            "jobState",
            json!({"type":"initiatingModel","imgID":"A2","workerName":"w2","jobIndex":0}),
        )],
    );
    assert_eq!(
        out[0],
        Effect::JobRenamed {
            from: "A1".into(),
            to: "A2".into()
        }
    );
    assert_eq!(state.jobs().len(), 1);
    assert_eq!(state.jobs()[0].id, "A2");
    assert!(!project_events(&out)
        .iter()
        .any(|e| matches!(e, ProjectEvent::JobStarted(_))));
    let out = run(
        &mut state,
        &[progress("A2", 1, 4), result("A2"), completed()],
    );
    assert_eq!(completions(&out), vec![vec![url_for("A2")]]);
}

#[test]
fn job_retry_without_index_matches_the_only_waiting_job() {
    let mut state = project(2, Some(4));
    run(&mut state, &[progress("A1", 1, 4), progress("B1", 1, 4)]);
    run(&mut state, &[("jobRetry", json!({"imgID":"A1"}))]);
    let out = run(&mut state, &[progress("A2", 1, 4)]);
    assert!(out.contains(&Effect::JobRenamed {
        from: "A1".into(),
        to: "A2".into()
    }));
    assert_eq!(state.jobs().len(), 2);
    // Not a sibling's: a third unknown id is a new job.
    run(&mut state, &[progress("C1", 1, 4)]);
    assert_eq!(state.jobs().len(), 3);
}

#[test]
fn job_retry_for_finished_or_unknown_jobs_is_ignored() {
    let mut state = project(2, Some(4));
    run(&mut state, &[result("A1")]);
    let out = run(
        &mut state,
        &[("jobRetry", json!({"imgID":"A1","jobIndex":0}))],
    );
    assert!(out.is_empty());
    let out = run(
        &mut state,
        &[("jobRetry", json!({"imgID":"ZZ","jobIndex":7}))],
    );
    assert!(out.is_empty());
}

// ------------------------------------------------------------------ fewer jobs

#[test]
fn fewer_jobs_than_requested_never_hangs() {
    let mut state = project(3, Some(4));
    let out = run(&mut state, &[result("J1"), result("J2"), completed()]);
    // The record of the finished project is asked for first: the third job may exist.
    assert!(out.contains(&Effect::SyncRecord));
    assert!(completions(&out).is_empty());
    assert_eq!(state.completion(), None);
    // No record to be had: the project settles with what it has.
    let out = state.record_unavailable(2_000.0);
    assert_eq!(completions(&out), vec![vec![url_for("J1"), url_for("J2")]]);
    assert_eq!(
        state.completion(),
        Some(Ok(vec![url_for("J1"), url_for("J2")]))
    );
    assert!(state.record_unavailable(2_100.0).is_empty(), "settles once");
}

#[test]
fn a_record_with_fewer_jobs_settles_with_those() {
    let mut state = project(3, Some(4));
    run(&mut state, &[result("J1"), result("J2"), completed()]);
    let out = state
        .sync_from_record(&completed_record(&["J1", "J2"]), 2_000.0)
        .unwrap();
    assert_eq!(completions(&out), vec![vec![url_for("J1"), url_for("J2")]]);
}

#[test]
fn job_completed_that_overtook_lost_job_frames_waits_for_the_record() {
    // The job frames went to a connection that dropped; `jobCompleted` came on the next one.
    let mut state = project(2, Some(4));
    let out = run(
        &mut state,
        &[
            ("jobState", json!({"type":"queued","queuePosition":1})),
            completed(),
        ],
    );
    assert_eq!(state.status(), ProjectStatus::Completed);
    assert!(out.contains(&Effect::SyncRecord));
    assert!(completions(&out).is_empty(), "not with zero results");
    assert_eq!(state.completion(), None);
    let out = state
        .sync_from_record(&completed_record(&["J1", "J2"]), 2_000.0)
        .unwrap();
    assert_eq!(
        out.iter()
            .filter(|e| matches!(e, Effect::FetchResultUrl { .. }))
            .count(),
        2
    );
    assert!(completions(&out).is_empty(), "waits for the URLs");
    let out = state.set_result_url("J1", Some(url_for("J1")), 2_100.0);
    assert!(completions(&out).is_empty());
    let out = state.set_result_url("J2", Some(url_for("J2")), 2_200.0);
    assert_eq!(completions(&out), vec![vec![url_for("J1"), url_for("J2")]]);
}

#[test]
fn fewer_jobs_that_all_failed_fail_the_project() {
    let mut state = project(3, Some(4));
    let out = run(
        &mut state,
        &[job_error(Some("J1"), json!("genfailure")), completed()],
    );
    assert_eq!(state.status(), ProjectStatus::Failed);
    assert_eq!(failures(&out).len(), 1);
    assert!(completions(&out).is_empty());
}

#[test]
fn result_url_failure_completes_without_url() {
    let mut state = project(1, Some(4));
    let out = state.apply(&ev(result("J").0, result("J").1), 1.0);
    assert!(out.contains(&Effect::FetchResultUrl { job_id: "J".into() }));
    assert_eq!(state.jobs()[0].status, JobStatus::Pending);
    assert!(state.jobs()[0].awaiting_result_url());
    run(&mut state, &[completed()]);
    assert_eq!(state.completion(), None, "waits for the URL");
    let out = state.set_result_url("J", None, 2.0);
    assert_eq!(job_events(&out, "J")[1], JobEvent::Completed(None));
    assert_eq!(completions(&out), vec![Vec::<String>::new()]);
    // A later sync can still fill the URL in.
    let out = state
        .sync_from_record(
            &json!({"data":{"project":{"id":P,"status":"completed","completedWorkerJobs":[
                {"imgID":"j","status":"jobCompleted","performedSteps":4,"worker":{"name":"w"}}]}}}),
            3.0,
        )
        .unwrap();
    assert_eq!(out, vec![Effect::FetchResultUrl { job_id: "J".into() }]);
    state.set_result_url("J", Some(url_for("J")), 4.0);
    assert_eq!(state.result_urls(), vec![url_for("J")]);
}

#[test]
fn previews_are_fetched_and_stored() {
    let mut state = project(1, Some(4));
    let out = run(
        &mut state,
        &[(
            "jobProgress",
            json!({"imgID":"J","step":1,"stepCount":4,"hasImage":true}),
        )],
    );
    assert!(out.contains(&Effect::FetchPreviewUrl { job_id: "J".into() }));
    let out = state.set_preview_url("J", "p1".into(), 5.0);
    assert_eq!(
        job_events(&out, "J").last(),
        Some(&JobEvent::Updated(vec!["previewUrl"]))
    );
    assert_eq!(state.jobs()[0].preview_url.as_deref(), Some("p1"));
}

// ------------------------------------------------------------------ REST sync

#[test]
fn sync_recovers_a_failed_or_canceled_project() {
    let mut failed = project(2, Some(4));
    run(&mut failed, &[started("J1", 0)]);
    let out = failed
        .sync_from_record(
            &json!({"data":{"project":{"id":P,"status":"failed","finished":true,"workerJobs":[],"completedWorkerJobs":[]}}}),
            1.0,
        )
        .unwrap();
    assert_eq!(failed.status(), ProjectStatus::Failed);
    assert_eq!(failed.jobs()[0].status, JobStatus::Failed);
    assert_eq!(
        failures(&out),
        vec![Error::Job {
            code: 5000,
            original_code: Some("genfailure".into()),
            message: "genfailure".into()
        }]
    );

    let mut canceled = project(1, Some(4));
    run(&mut canceled, &[started("J1", 0)]);
    canceled
        .sync_from_record(
            &json!({"project":{"status":"cancelled","reason":"artistCanceled"}}),
            1.0,
        )
        .unwrap();
    assert_eq!(canceled.status(), ProjectStatus::Canceled);
    assert_eq!(canceled.jobs()[0].status, JobStatus::Canceled);
    assert!(matches!(
        canceled.completion(),
        Some(Err(Error::Aborted { .. }))
    ));
}

#[test]
fn sync_replays_in_flight_and_failed_jobs() {
    let mut state = project(2, None);
    let out = state
        .sync_from_record(
            &json!({"id":P,"status":"progress","stepCount":4,"imageCount":2,
                    "workerJobs":[{"imgID":"a","status":"jobProgress","performedSteps":2,"worker":{"username":"w1"}}],
                    "completedWorkerJobs":[{"imgID":"b","status":"jobError","reason":"sensitiveContent"}]}),
            1.0,
        )
        .unwrap();
    assert!(failures(&out).is_empty());
    let b = state.job("B").unwrap();
    assert_eq!(b.status, JobStatus::Failed);
    assert_eq!(
        b.error.as_ref().map(|e| e.to_string()),
        Some("Sensitive content detected.".into())
    );
    let a = state.job("A").unwrap();
    assert_eq!(
        (a.status, a.step, a.step_count),
        (JobStatus::Processing, 2, 4)
    );
    assert_eq!(a.worker_name.as_deref(), Some("w1"));
    assert_eq!(state.status(), ProjectStatus::Processing);
    assert_eq!(state.progress(0.0), 25);
}

#[test]
fn sync_rejects_bad_records() {
    let mut state = project(1, Some(4));
    assert!(matches!(
        state.sync_from_record(&json!("nope"), 1.0),
        Err(Error::Protocol { .. })
    ));
    assert!(matches!(
        state.sync_from_record(&json!({"data":{"project":{"id":"other"}}}), 1.0),
        Err(Error::Protocol { .. })
    ));
    assert!(state
        .sync_from_record(
            &json!({"data":{"project":{"id":P,"status":"weird","completedWorkerJobs":"x"}}}),
            1.0
        )
        .unwrap()
        .is_empty());
}

#[test]
fn sync_with_a_direct_url_completes_without_minting() {
    let mut state = project(1, Some(4));
    let out = state
        .sync_from_record(
            &json!({"status":"completed","completedWorkerJobs":[
                {"imgID":"v","status":"jobCompleted","resultUrl":"https://vendor/v.mp4","seedUsed":7}]}),
            1.0,
        )
        .unwrap();
    assert_eq!(
        completions(&out),
        vec![vec!["https://vendor/v.mp4".to_string()]]
    );
    assert_eq!(state.jobs()[0].seed, Some(7));
    assert!(
        !out.contains(&Effect::SyncRecord),
        "a sync never asks for another"
    );
}

#[test]
fn a_render_moved_without_job_retry_is_reclaimed_by_job_index() {
    let mut state = project(2, Some(4));
    run(
        &mut state,
        &[started("A1", 0), progress("A1", 3, 4), started("B1", 1)],
    );
    let out = run(
        &mut state,
        &[(
            "jobState",
            json!({"type":"initiatingModel","imgID":"A2","workerName":"w9","jobIndex":0}),
        )],
    );
    assert_eq!(
        out[0],
        Effect::JobRenamed {
            from: "A1".into(),
            to: "A2".into()
        }
    );
    let job = &state.jobs()[0];
    assert_eq!(
        (job.id.as_str(), job.status, job.step),
        ("A2", JobStatus::Initiating, 0)
    );
    assert_eq!(job.worker_name.as_deref(), Some("w9"));
    assert_eq!(state.jobs().len(), 2);
}

#[test]
fn arbitrary_frame_orders_never_panic_or_double_settle() {
    let frames: Vec<(&str, Value)> = vec![
        (
            "jobState",
            json!({"type":"queued","queuePosition":1,"estimatedStartSeconds":2}),
        ),
        started("A", 0),
        progress("A", 5, 4),
        (
            "jobProgress",
            json!({"imgID":"A","progress":250,"etaMin":1,"etaMax":3,"hasImage":true}),
        ),
        ("jobETA", json!({"imgID":"B","etaSeconds":-5})),
        ("jobETA", json!({"etaSeconds":1})),
        result("A"),
        result("B"),
        ("jobResult", json!({"imgID":"C","triggeredNSFWFilter":true})),
        job_error(Some("B"), json!("x")),
        job_error(Some("D"), json!(3)),
        job_error(None, json!("serverRestarting")),
        ("jobRetry", json!({"imgID":"A","jobIndex":0})),
        ("jobRetry", json!({"jobIndex":1})),
        (
            "jobState",
            json!({"type":"initiatingModel","imgID":"E","jobIndex":0}),
        ),
        completed(),
        ("jobState", json!({"type":"assigned","workerName":"w"})),
    ];
    let n = frames.len();
    for seed in 0..200u64 {
        for media in [1, 2, 3] {
            let mut state = project(media, Some(4));
            let mut out = Vec::new();
            // A deterministic shuffle (LCG) of the frames, with repeats.
            let mut x = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for i in 0..n + 6 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let (kind, data) = &frames[(x >> 33) as usize % n];
                out.extend(step(&mut state, kind, data.clone(), i as f64 * 100.0));
            }
            let settled = completions(&out).len() + failures(&out).len();
            assert!(settled <= 1, "seed {seed}: settled {settled} times");
            if let Some(urls) = completions(&out).pop() {
                assert_eq!(state.completion(), Some(Ok(urls)), "seed {seed}");
            }
            if let Some(error) = failures(&out).pop() {
                assert_eq!(state.completion(), Some(Err(error)), "seed {seed}");
            }
            assert!(state.progress(1e6) <= 100);
        }
    }
}

#[test]
fn after_settling_unknown_jobs_are_dropped_and_the_answer_is_frozen() {
    let mut state = project(1, Some(4));
    run(&mut state, &[result("J"), completed()]);
    let answer = state.completion();
    assert_eq!(answer, Some(Ok(vec![url_for("J")])));
    let out = run(
        &mut state,
        &[
            ("jobETA", json!({"imgID":"late","etaSeconds":3})),
            progress("LATE2", 1, 4),
        ],
    );
    assert!(out.is_empty());
    assert_eq!(state.jobs().len(), 1);
    assert_eq!(state.completion(), answer);
}

// ------------------------------------------------------------------ receipts (5.54)

const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[test]
fn result_receipt_sets_provenance_last_frame_and_sources() {
    let mut state = project(1, Some(4));
    let out = run(
        &mut state,
        &[
            started("J", 0),
            (
                "jobResult",
                json!({"imgID":"J","performedStepCount":4,"sha256":HASH.to_uppercase(),
                       "sourceImageSha256":"not-a-hash","lastFrameUrl":"https://cdn.example/J-last.png",
                       "nsfwSources":["prompt"],"outputFormat":"mp4"}),
            ),
            completed(),
        ],
    );
    assert_eq!(completions(&out).len(), 1);
    let job = &state.jobs()[0];
    assert_eq!(job.provenance, Some(json!({"sha256": HASH})));
    assert_eq!(
        job.last_frame_url.as_deref(),
        Some("https://cdn.example/J-last.png")
    );
    assert_eq!(job.nsfw_sources, vec!["prompt".to_string()]);
    assert_eq!(job.job_index, Some(0));
    let updated: Vec<Vec<&str>> = job_events(&out, "J")
        .into_iter()
        .filter_map(|e| match e {
            JobEvent::Updated(keys) => Some(keys),
            _ => None,
        })
        .collect();
    assert!(updated
        .iter()
        .any(|k| k.contains(&"provenance") && k.contains(&"lastFrameUrl")));
}

#[test]
fn a_later_record_refreshes_the_receipt_of_a_finished_job() {
    let mut state = project(1, Some(4));
    run(&mut state, &[started("J", 0), result("J"), completed()]);
    assert_eq!(state.jobs()[0].provenance, None);
    let record = json!({"id": P, "status": "completed", "imageCount": 1, "stepCount": 4,
        "completedWorkerJobs": [{"imgID": "J", "status": "jobCompleted", "performedSteps": 4,
            "nsfwSources": ["image"], "lastFrameUrl": "https://cdn.example/J-frame.png",
            "result": {"sha256": HASH, "outputFormat": "png"}}]});
    let out = state.sync_from_record(&record, 9_000.0).unwrap();
    let job = &state.jobs()[0];
    assert_eq!(job.provenance, Some(json!({"sha256": HASH})));
    assert_eq!(
        job.last_frame_url.as_deref(),
        Some("https://cdn.example/J-frame.png")
    );
    assert_eq!(job.nsfw_sources, vec!["image".to_string()]);
    assert!(!job_events(&out, "J").is_empty());
    // A record without a receipt keeps what the socket delivered.
    let bare = json!({"id": P, "status": "completed",
        "completedWorkerJobs": [{"imgID": "J", "status": "jobCompleted"}]});
    state.sync_from_record(&bare, 9_100.0).unwrap();
    assert_eq!(state.jobs()[0].provenance, Some(json!({"sha256": HASH})));
    assert_eq!(state.jobs()[0].nsfw_sources, vec!["image".to_string()]);
}

#[test]
fn a_refreshed_last_frame_url_is_an_update() {
    let mut state = project(1, Some(4));
    run(&mut state, &[started("J", 0), result("J"), completed()]);
    let out = state.set_last_frame_url("j", "https://cdn.example/new.png".into(), 2_000.0);
    assert_eq!(
        job_events(&out, "J"),
        vec![JobEvent::Updated(vec!["lastFrameUrl"])]
    );
    assert_eq!(
        state.jobs()[0].last_frame_url.as_deref(),
        Some("https://cdn.example/new.png")
    );
    assert!(state
        .set_last_frame_url("nope", "x".into(), 2_001.0)
        .is_empty());
}
