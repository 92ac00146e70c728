using Platform.Protocol.Messages;

namespace Platform.Client.Network;

/// <summary>
/// Which request/response header version goes with an API version: flexible versions use request
/// header v2 and response header v1, except ApiVersions, whose response header is always v0 so a
/// client can read it before knowing anything about the broker.
/// </summary>
/// <remarks>Stands in for the protocol's hand-written ApiHeaders until that is on the main branch.</remarks>
internal static class HeaderVersions
{
    public static short Request(ApiKey apiKey, short version)
    {
        if (apiKey == ApiKey.ControlledShutdown && version == 0)
        {
            return 0;
        }

        return IsFlexible(ApiMessages.RequestFirstFlexibleVersion(apiKey), version) ? (short)2 : (short)1;
    }

    public static short Response(ApiKey apiKey, short version)
    {
        if (apiKey == ApiKey.ApiVersions)
        {
            return 0;
        }

        return IsFlexible(ApiMessages.ResponseFirstFlexibleVersion(apiKey), version) ? (short)1 : (short)0;
    }

    private static bool IsFlexible(short firstFlexible, short version) => firstFlexible >= 0 && version >= firstFlexible;
}
