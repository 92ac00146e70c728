using System.Globalization;
using System.Net;

namespace Platform.Broker.Network;

/// <summary>
/// <c>max.connections</c> and <c>max.connections.per.ip</c> (+ overrides), as Kafka applies them:
/// at the broker-wide limit the listener waits for a connection to close before accepting another;
/// a connection over its address's limit is closed as soon as it is accepted.
/// </summary>
internal sealed class ConnectionLimits : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly int _maxConnections;
    private readonly int _maxPerIp;
    private readonly IReadOnlyDictionary<IPAddress, int> _overrides;
    private readonly Dictionary<IPAddress, int> _perIp = [];

    public ConnectionLimits(int maxConnections, int maxPerIp, IReadOnlyDictionary<IPAddress, int> overrides)
    {
        _maxConnections = maxConnections;
        _slots = new SemaphoreSlim(maxConnections, maxConnections);
        _maxPerIp = maxPerIp;
        _overrides = overrides;
    }

    /// <summary>The broker-wide limit.</summary>
    public int MaxConnections => _maxConnections;

    /// <summary>True if a connection may be accepted now without waiting for another to close.</summary>
    public bool HasFreeSlot => _slots.CurrentCount > 0;

    /// <summary>Open connections counted against <c>max.connections</c>.</summary>
    public int Count => _maxConnections - _slots.CurrentCount;

    /// <summary>Waits until fewer than <c>max.connections</c> are open, then takes a slot.</summary>
    public async ValueTask WaitForSlotAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives back a slot from <see cref="WaitForSlotAsync"/>.</summary>
    public void ReleaseSlot() => _slots.Release();

    /// <summary>Counts a connection from <paramref name="address"/>, or returns false (and counts nothing) when its limit is reached.</summary>
    public bool TryAdd(IPAddress address, out int limit)
    {
        address = Normalize(address);
        limit = _overrides.TryGetValue(address, out var own) ? own : _maxPerIp;
        lock (_perIp)
        {
            var open = _perIp.GetValueOrDefault(address);
            if (open >= limit)
            {
                return false;
            }

            _perIp[address] = open + 1;
            return true;
        }
    }

    /// <summary>Forgets one connection counted by <see cref="TryAdd"/>.</summary>
    public void Remove(IPAddress address)
    {
        address = Normalize(address);
        lock (_perIp)
        {
            if (_perIp.TryGetValue(address, out var open))
            {
                if (open <= 1)
                {
                    _perIp.Remove(address);
                }
                else
                {
                    _perIp[address] = open - 1;
                }
            }
        }
    }

    /// <summary>
    /// Parses <c>max.connections.per.ip.overrides</c>: <c>host:count</c> pairs separated by commas,
    /// host an IP address (IPv6 in brackets or bare) or a name resolved now. Throws naming the key.
    /// </summary>
    public static Dictionary<IPAddress, int> ParseOverrides(string? value)
    {
        const string Key = "max.connections.per.ip.overrides";
        var result = new Dictionary<IPAddress, int>();
        if (string.IsNullOrWhiteSpace(value))
        {
            return result;
        }

        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw new OptionsValidationException(Key, $"'{entry}' is not host:count with a count >= 0");
            }

            var host = entry[..colon].Trim().Trim('[', ']');
            IPAddress[] addresses;
            if (IPAddress.TryParse(host, out var address))
            {
                addresses = [address];
            }
            else
            {
                try
                {
                    addresses = Dns.GetHostAddresses(host);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    throw new OptionsValidationException(Key, $"host '{host}' does not resolve: {e.Message}");
                }
            }

            foreach (var resolved in addresses)
            {
                result[Normalize(resolved)] = count;
            }
        }

        return result;
    }

    /// <summary>An IPv4 client of a dual-stack listener shows up as ::ffff:a.b.c.d; count it as a.b.c.d.</summary>
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public void Dispose() => _slots.Dispose();
}
