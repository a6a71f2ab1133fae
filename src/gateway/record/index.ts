// Record and replay for CI: `sallyport record` writes upstream exchanges as fixture files,
// `sallyport --replay` serves them with no upstream. Loaded by the CLI only for those two.
export { type Fixture, readFixtures } from './fixture-file.ts'
export { RECORDING_INSPECTOR, type Recorder, startRecorder } from './recorder.ts'
export { type ReplayServer, startReplayServer } from './replay-server.ts'
