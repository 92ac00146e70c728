using Microsoft.Extensions.Logging;
using Platform.Broker.Diagnostics;

namespace Platform.Broker.Network;

/// <summary>What every <see cref="ClientConnection"/> of a server shares.</summary>
internal sealed record ConnectionServices(
    BrokerOptions Options,
    IRequestProcessor Processor,
    RequestMemoryBudget Budget,
    LogRateLimiter LogLimiter,
    TimeProvider Time,
    ILogger Logger);
