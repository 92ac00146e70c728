using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>
/// The API versions a broker announced in ApiVersions, and the version this client uses for each:
/// the highest both sides support, i.e. <c>min(client max, broker max)</c>.
/// </summary>
public sealed class ApiVersionSet
{
    private readonly Dictionary<ApiKey, (short Min, short Max)> _broker;
    private readonly string _brokerName;

    /// <summary>Creates the set from the ranges a broker announced.</summary>
    /// <param name="brokerRanges">Per API key, the broker's lowest and highest version.</param>
    /// <param name="brokerName">Names the broker in error messages.</param>
    public ApiVersionSet(IEnumerable<KeyValuePair<ApiKey, (short Min, short Max)>> brokerRanges, string brokerName)
    {
        _broker = new Dictionary<ApiKey, (short, short)>(brokerRanges);
        _brokerName = brokerName;
    }

    /// <summary>A set that assumes the broker supports every version this client knows (no negotiation).</summary>
    public static ApiVersionSet ClientDefaults(string brokerName)
        => new(Enum.GetValues<ApiKey>().Select(k => KeyValuePair.Create(k, (ApiMessages.LowestVersion(k), ApiMessages.HighestVersion(k)))), brokerName);

    /// <summary>Builds the set from an ApiVersions response.</summary>
    public static ApiVersionSet FromResponse(ApiVersionsResponse response, string brokerName)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new ApiVersionSet(
            response.ApiKeys
                .Where(v => Enum.IsDefined((ApiKey)v.ApiKey))
                .Select(v => KeyValuePair.Create((ApiKey)v.ApiKey, (v.MinVersion, v.MaxVersion))),
            brokerName);
    }

    /// <summary>Whether the broker announced <paramref name="apiKey"/> at all.</summary>
    public bool Supports(ApiKey apiKey) => _broker.ContainsKey(apiKey);

    /// <summary>The broker's announced range for <paramref name="apiKey"/>, if any.</summary>
    public bool TryGetBrokerRange(ApiKey apiKey, out short min, out short max)
    {
        var found = _broker.TryGetValue(apiKey, out var range);
        (min, max) = range;
        return found;
    }

    /// <summary>The version to use for <paramref name="apiKey"/>: the highest both sides support.</summary>
    /// <param name="apiKey">The API.</param>
    /// <param name="clientMax">Caps the client's side below the newest version it can encode.</param>
    /// <exception cref="KafkaException">
    /// <see cref="ErrorCode.UnsupportedVersion"/>: the broker lacks the API or no version is common to both.
    /// </exception>
    public short Select(ApiKey apiKey, short? clientMax = null)
    {
        var clientLow = ApiMessages.LowestVersion(apiKey);
        var clientHigh = clientMax is { } cap ? Math.Min(cap, ApiMessages.HighestVersion(apiKey)) : ApiMessages.HighestVersion(apiKey);
        if (!_broker.TryGetValue(apiKey, out var broker))
        {
            throw new KafkaException(new Error(
                ErrorCode.UnsupportedVersion,
                $"Broker {_brokerName} does not support the {apiKey} API (ApiKey {(short)apiKey})."));
        }

        var version = Math.Min(clientHigh, broker.Max);
        if (version < Math.Max(clientLow, broker.Min))
        {
            throw new KafkaException(new Error(
                ErrorCode.UnsupportedVersion,
                $"Broker {_brokerName} supports {apiKey} versions {broker.Min}..{broker.Max}, this client {clientLow}..{clientHigh}: no common version."));
        }

        return (short)version;
    }
}
