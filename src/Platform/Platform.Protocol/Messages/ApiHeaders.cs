namespace Platform.Protocol.Messages;

/// <summary>Which header version frames a request or response of a given API version.</summary>
public static class ApiHeaders
{
    /// <summary>
    /// 2 when the request version is flexible, else 1. (Header v0 exists only for ControlledShutdown v0, an
    /// API between brokers that we neither serve nor send.)
    /// </summary>
    public static short RequestHeaderVersion(ApiKey apiKey, short apiVersion)
    {
        return IsFlexible(ApiMessages.RequestFirstFlexibleVersion(apiKey), apiVersion) ? (short)2 : (short)1;
    }

    /// <summary>1 when the response version is flexible, else 0. ApiVersions always answers with header v0, so
    /// that a client which sent a version the broker does not know can still read the error.</summary>
    public static short ResponseHeaderVersion(ApiKey apiKey, short apiVersion)
    {
        if (apiKey == ApiKey.ApiVersions)
        {
            return 0;
        }

        return IsFlexible(ApiMessages.ResponseFirstFlexibleVersion(apiKey), apiVersion) ? (short)1 : (short)0;
    }

    private static bool IsFlexible(short firstFlexibleVersion, short apiVersion)
        => firstFlexibleVersion >= 0 && apiVersion >= firstFlexibleVersion;
}
