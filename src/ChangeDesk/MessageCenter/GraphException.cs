namespace ChangeDesk.MessageCenter;

/// <summary>An error of the Graph-compatible API, answered in Graph's error shape with Graph's code.</summary>
public sealed class GraphException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    public static GraphException InvalidRequest(string message) => new(400, "invalidRequest", message);
}
