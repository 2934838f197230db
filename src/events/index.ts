export {
  EVENT_TOPICS,
  PHASE_OF_TOPIC,
  buildEvent,
  compareCaseInsensitive,
  formatFrame,
  isEventTopic,
  parseFrame,
  sortParameters,
  toGsonJson,
  type BuildEventInput,
  type BuildEventJson,
  type BuildStateJson,
  type EventPhase,
  type EventTopic,
  type PluginEventJson,
  type ReceivedEventJson,
} from "./schema.js";
export { SequenceRing, type RingSlice } from "./ring.js";
export {
  EventPublisher,
  type PublisherEvents,
  type PublisherOptions,
  type PublisherStats,
  type ReplayedEvent,
  type SinceResult,
} from "./publisher.js";
export { subscribe, type ReceivedEvent, type SubscribeOptions, type Subscription, type SubscriptionStats } from "./subscriber.js";
export { generateCurveKeyPair, type CurveKeyPair } from "./curve.js";
export { formatEventLine } from "./format.js";
export {
  CurveKeyError,
  EventsArgumentError,
  EventsBindError,
  EventsClosedError,
  EventsError,
  EventsFlushTimeoutError,
  EventsNotStartedError,
  EventsReceiveTimeoutError,
  MalformedFrameError,
} from "./errors.js";
