using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>
/// The API versions a broker announced in ApiVersions, and the version this client uses for each:
/// the highest both sides support, i.e. <c>min(client max, broker max)</c>.
/// </summary>
public sealed class ApiVersionSet
{
    // The broker's range per API key (the index), Min = -1 for an API it did not announce. An array, not a dictionary
    // keyed by ApiKey: it is read per request, and a dictionary over a value type is compiled by the JIT at run time,
    // in every process's first connection (with the LINQ that filled it, 3 ms of a CLI command's start).
    private readonly (short Min, short Max)[] _broker;
    private readonly string _brokerName;

    /// <summary>Creates the set from the ranges a broker announced.</summary>
    /// <param name="brokerRanges">Per API key, the broker's lowest and highest version.</param>
    /// <param name="brokerName">Names the broker in error messages.</param>
    public ApiVersionSet(IEnumerable<KeyValuePair<ApiKey, (short Min, short Max)>> brokerRanges, string brokerName)
        : this(brokerName)
    {
        ArgumentNullException.ThrowIfNull(brokerRanges);
        foreach (var (key, range) in brokerRanges)
        {
            Set(key, range.Min, range.Max);
        }
    }

    private ApiVersionSet(string brokerName)
    {
        _broker = new (short, short)[Slots];
        for (var key = 0; key < _broker.Length; key++)
        {
            _broker[key] = (-1, -1);
        }

        _brokerName = brokerName;
    }

    // One past the highest API key this client knows, from the generated tables (found once per process).
    private static readonly int Slots = KnownSlots();

    private static int KnownSlots()
    {
        var slots = 0;
        for (var key = 0; key < 1024; key++)
        {
            slots = ApiMessages.HighestVersion((ApiKey)key) >= 0 ? key + 1 : slots;
        }

        return slots;
    }

    /// <summary>A set that assumes the broker supports every version this client knows (no negotiation).</summary>
    public static ApiVersionSet ClientDefaults(string brokerName)
    {
        var set = new ApiVersionSet(brokerName);
        for (var key = 0; key < Slots; key++)
        {
            set.Set((ApiKey)key, ApiMessages.LowestVersion((ApiKey)key), ApiMessages.HighestVersion((ApiKey)key));
        }

        return set;
    }

    /// <summary>Builds the set from an ApiVersions response (APIs this client does not know are left out).</summary>
    public static ApiVersionSet FromResponse(ApiVersionsResponse response, string brokerName)
    {
        ArgumentNullException.ThrowIfNull(response);
        var set = new ApiVersionSet(brokerName);
        foreach (var range in response.ApiKeys)
        {
            set.Set((ApiKey)range.ApiKey, range.MinVersion, range.MaxVersion);
        }

        return set;
    }

    /// <summary>Records the broker's range for a key this client knows (the generated tables know every key there is).</summary>
    private void Set(ApiKey apiKey, short min, short max)
    {
        if ((uint)apiKey < (uint)_broker.Length && ApiMessages.HighestVersion(apiKey) >= 0 && min >= 0)
        {
            _broker[(int)apiKey] = (min, max);
        }
    }

    /// <summary>Whether the broker announced <paramref name="apiKey"/> at all.</summary>
    public bool Supports(ApiKey apiKey) => TryGetBrokerRange(apiKey, out _, out _);

    /// <summary>The broker's announced range for <paramref name="apiKey"/>, if any.</summary>
    public bool TryGetBrokerRange(ApiKey apiKey, out short min, out short max)
    {
        (min, max) = (uint)apiKey < (uint)_broker.Length ? _broker[(int)apiKey] : ((short)-1, (short)-1);
        if (min >= 0)
        {
            return true;
        }

        (min, max) = (0, 0);
        return false;
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
        if (!TryGetBrokerRange(apiKey, out var brokerMin, out var brokerMax))
        {
            throw new KafkaException(new Error(
                ErrorCode.UnsupportedVersion,
                $"Broker {_brokerName} does not support the {apiKey} API (ApiKey {(short)apiKey})."));
        }

        var version = Math.Min(clientHigh, brokerMax);
        if (version < Math.Max(clientLow, brokerMin))
        {
            throw new KafkaException(new Error(
                ErrorCode.UnsupportedVersion,
                $"Broker {_brokerName} supports {apiKey} versions {brokerMin}..{brokerMax}, this client {clientLow}..{clientHigh}: no common version."));
        }

        return (short)version;
    }
}
