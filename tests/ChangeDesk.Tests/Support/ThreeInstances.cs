namespace ChangeDesk.Tests.Support;

/// <summary>
/// Three instances of the service on one database (PostgreSQL in the PostgreSQL lane, one SQLite file otherwise), each
/// running every background job, as a provider scales out: a test class derives from it and gets its own three.
/// </summary>
public abstract class ThreeInstances : IAsyncLifetime
{
    protected ChangeDeskFactory[] Instances { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        var first = new ChangeDeskFactory();
        await first.InitializeAsync();
        var second = new ChangeDeskFactory { ShareDatabaseWith = first };
        var third = new ChangeDeskFactory { ShareDatabaseWith = first };
        await second.InitializeAsync();
        await third.InitializeAsync();
        Instances = [first, second, third];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in Instances.Reverse())
        {
            await instance.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
