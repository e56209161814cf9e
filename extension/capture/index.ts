/**
 * Capturing a paused Python program's heap over DAP (no `vscode` import), and running a real
 * collection in it for the stepper. The extension reaches it through debug/sessionCapture.ts,
 * with a DapChannel over `session.customRequest('evaluate', …)`. See docs/debugger-capture.md.
 */
export {
  captureOverDap,
  callAgentOverDap,
  type CaptureMeta,
  type DapAgentCallOptions,
  type DapAgentCallResult,
  type DapCaptureOptions,
  type DapCaptureResult,
} from './dapCapture';
export { DEFAULT_TIMEOUT_MS, type DapChannel, type HookRunOptions } from './hookRunner';
export {
  collectOverDap,
  collectionCancelled,
  type DapCollectionRequest,
  type DapCollectionResult,
} from './dapCollection';
export {
  CaptureError,
  sessionEndedError,
  threadResumedError,
  type CaptureErrorCode,
  type CollectionStage,
} from './errors';
export {
  buildAgentCall,
  buildCaptureExpression,
  buildInstallExpression,
  type AgentCallOptions,
} from './agentExpression';
export { ChannelLock } from './channelLock';
export { addressEvaluateArguments, addressFromResult } from './objectAddress';
