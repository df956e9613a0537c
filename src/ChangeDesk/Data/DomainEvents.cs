namespace ChangeDesk.Data;

/// <summary>
/// Something that happened to an entity (a change was announced) that other parts of the service act on (post the
/// Message Center message, request approvals, queue webhooks). Entities raise events; the next save hands each one to
/// its handlers, before it writes, in its transaction (<see cref="ChangeDeskDb.SaveChangesAsync(bool, CancellationToken)"/>).
/// </summary>
public interface IDomainEvent
{
    /// <summary>Runs the handlers registered for this event's type.</summary>
    Task DispatchAsync(IServiceProvider services, CancellationToken ct);
}

/// <summary>The base of every event: finds the handlers of <typeparamref name="TSelf"/> without reflection.</summary>
public abstract record DomainEvent<TSelf> : IDomainEvent where TSelf : DomainEvent<TSelf>
{
    public async Task DispatchAsync(IServiceProvider services, CancellationToken ct)
    {
        foreach (var handler in services.GetServices<IDomainEventHandler<TSelf>>())
        {
            await handler.HandleAsync((TSelf)this, ct);
        }
    }
}

/// <summary>
/// Acts on one kind of event, inside the save that writes the entity which raised it. A handler may add rows (tracked
/// or bulk) and raise further events; the same save handles those too. Registered in DI, handled in registration order.
/// </summary>
public interface IDomainEventHandler<in TEvent> where TEvent : IDomainEvent
{
    Task HandleAsync(TEvent domainEvent, CancellationToken ct);
}

public interface IHasDomainEvents
{
    void Raise(IDomainEvent domainEvent);

    /// <summary>The events raised since the last call, which are then no longer the entity's: each is handled once.</summary>
    IReadOnlyList<IDomainEvent> TakeEvents();
}

/// <summary>An entity that raises events. The list is not mapped: events live until the save that handles them.</summary>
public abstract class RaisesEvents : IHasDomainEvents
{
    List<IDomainEvent>? events;

    public void Raise(IDomainEvent domainEvent) => (events ??= []).Add(domainEvent);

    public IReadOnlyList<IDomainEvent> TakeEvents()
    {
        var taken = events ?? [];
        events = null;
        return taken;
    }
}

public abstract partial class ChangeDeskDb
{
    /// <summary>
    /// Saves in one transaction (the caller's, or one of its own): first the raised domain events go to their handlers,
    /// then the tracked changes, the bulk rows and the audit records of all of them are written.
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct = default)
    {
        var events = TakeEvents();
        if (events.Count == 0)
        {
            return await WriteChangesAsync(acceptAllChangesOnSuccess, ct);
        }
        var ownTransaction = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(ct) : null;
        try
        {
            await DispatchEventsAsync(events, ct);
            var written = await WriteChangesAsync(acceptAllChangesOnSuccess, ct);
            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(ct);
            }
            return written;
        }
        finally
        {
            if (ownTransaction is not null)
            {
                await ownTransaction.DisposeAsync();
            }
        }
    }

    /// <summary>Handlers that raise events without end are a bug; this many rounds of them is taken as one.</summary>
    const int MaxEventRounds = 10;

    List<IDomainEvent> TakeEvents() =>
        ChangeTracker.Entries<IHasDomainEvents>().SelectMany(e => e.Entity.TakeEvents()).ToList();

    /// <summary>
    /// Hands the events of the tracked entities to their handlers, then the events those raised, until none is left.
    /// Runs in the save's transaction, so the handlers' rows are written with the entities or not at all.
    /// </summary>
    async Task DispatchEventsAsync(List<IDomainEvent> events, CancellationToken ct)
    {
        if (services is null)
        {
            throw new InvalidOperationException("Domain events were raised on a database context created without the service provider that holds their handlers.");
        }
        for (var round = 1; events.Count > 0; round++)
        {
            if (round > MaxEventRounds)
            {
                throw new InvalidOperationException($"Domain event handlers were still raising events after {MaxEventRounds} rounds: {string.Join(", ", events.Select(e => e.GetType().Name).Distinct())}.");
            }
            foreach (var domainEvent in events)
            {
                await domainEvent.DispatchAsync(services, ct);
            }
            events = TakeEvents();
        }
    }
}
