using System.Text.Json;
using System.Text.Json.Serialization;
using ChangeDesk.Applications;
using ChangeDesk.Approvals;
using ChangeDesk.Audit;
using ChangeDesk.Changes;
using ChangeDesk.Changes.Checklist;
using ChangeDesk.Changes.Create;
using ChangeDesk.Changes.Edit;
using ChangeDesk.Changes.Mitigations;
using ChangeDesk.Changes.Read;
using ChangeDesk.Changes.Transition;
using ChangeDesk.Data;
using ChangeDesk.MessageCenter;
using ChangeDesk.Notifications;
using ChangeDesk.Notifications.Addresses;
using ChangeDesk.Notifications.Digests;
using ChangeDesk.Notifications.Outbox;
using ChangeDesk.Notifications.Preferences;
using ChangeDesk.Notifications.Webhooks;
using ChangeDesk.Releases;
using ChangeDesk.Releases.Bundle;
using ChangeDesk.Releases.Calendar;
using ChangeDesk.Releases.Cancel;
using ChangeDesk.Releases.Edit;
using ChangeDesk.Releases.Mitigation;
using ChangeDesk.Releases.Start;
using ChangeDesk.Responsibility;
using ChangeDesk.Signals;
using ChangeDesk.Support;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.AspNetCore.DataProtection;
using Scalar.AspNetCore;

namespace ChangeDesk;

/// <summary>The service's composition: every capability's services and endpoints, listed in one place.</summary>
public static class ChangeDeskApp
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var demo = args.Contains("--demo");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // --demo is a switch, not a setting: left in, the configuration would read the argument after it as its
            // value (`--demo --urls=…` would lose the port).
            Args = [.. args.Where(a => a != "--demo")],
            ApplicationName = typeof(ChangeDeskApp).Assembly.GetName().Name,
        });
        if (demo)
        {
            builder.Configuration["Demo:Seed"] = "true";
        }
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddScoped<CurrentUser>();
        services.AddChangeDeskDatabase(builder.Configuration, builder.Environment.ContentRootPath);
        services.AddSingleton(builder.Configuration.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions());
        services.AddSingleton(builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions());
        services.AddSingleton<MarkdownRenderer>();
        services.AddScoped<Accounts>();
        services.AddScoped<MatrixService>();
        services.AddChanges();
        services.AddScoped<MessagePublisher>();
        services.AddScoped<MessageCenterService>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<AuditChainer>();
        services.AddSingleton((builder.Configuration.GetSection(AuditOptions.Section).Get<AuditOptions>() ?? new AuditOptions()).Validated());
        services.AddHostedService<StartupTasks>();

        var configuration = builder.Configuration;
        services.AddSingleton((configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>() ?? new OutboxOptions()).Validated());
        services.AddSingleton(configuration.GetSection(EmailOptions.Section).Get<EmailOptions>() ?? new EmailOptions());
        services.AddSingleton(configuration.GetSection(ApprovalOptions.Section).Get<ApprovalOptions>() ?? new ApprovalOptions());
        services.AddSingleton(configuration.GetSection(DigestOptions.Section).Get<DigestOptions>() ?? new DigestOptions());
        services.AddSingleton((configuration.GetSection(ExtraAddressOptions.Section).Get<ExtraAddressOptions>() ?? new ExtraAddressOptions()).Validated());
        services.AddSingleton<OutboxWakeUp>();
        services.AddSingleton<WakeUpOnCommit>();
        services.AddSingleton<AuditChainWakeUp>();
        services.AddScoped<OutboxStore>();
        services.AddSingleton<ApiTokenUsage>();
        services.AddScoped<Notifier>();
        services.AddScoped<ApprovalLinks>();
        services.AddScoped<ApprovalService>();
        services.AddScoped<MyPreferences>();
        services.AddScoped<DigestSettings>();
        services.AddScoped<AddressConfirmationLinks>();
        services.AddScoped<ExtraAddresses>();
        services.AddScoped<AddressConfirmation>();
        services.AddScoped<RegisteredWebhooks>();
        services.AddScoped<OutboxAdmin>();
        services.AddSingleton(configuration.GetSection(SupportOptions.Section).Get<SupportOptions>()?.Validated() ?? new SupportOptions());
        services.AddScoped<SupportRequestReader>();
        services.AddScoped<FileSupportRequest>();
        services.AddScoped<CommentOnSupportRequest>();
        services.AddScoped<AttachToSupportRequest>();
        services.AddScoped<AssignSupportRequest>();
        services.AddScoped<TransitionSupportRequest>();
        services.AddScoped<AutoCloseSupportRequest>();
        services.AddScoped<SupportNotifications>();
        services.AddSingleton(configuration.GetSection(ReleaseOptions.Section).Get<ReleaseOptions>() ?? new ReleaseOptions());
        services.AddScoped<SupportRequestCounts>();
        services.AddScoped<RolloutQueries>();
        services.AddSingleton<RolloutWakeUp>();
        services.AddScoped<ReleaseCommunications>();
        services.AddScoped<ReleaseReader>();
        services.AddScoped<TenantRollouts>();
        services.AddScoped<ReleaseContent>();
        services.AddScoped<CreateRelease>();
        services.AddScoped<UpdateRelease>();
        services.AddScoped<GenerateCalendar>();
        services.AddScoped<BundleChanges>();
        services.AddScoped<UnbundleChange>();
        services.AddScoped<Releases.Mitigation.RecordMitigation>();
        services.AddScoped<OverrideBlackouts>();
        services.AddScoped<StartRelease>();
        services.AddScoped<CancelRelease>();
        services.AddScoped<DeleteRelease>();
        services.AddScoped<RolloutService>();
        services.AddScoped<RolloutApplier>();
        services.AddScoped<RingsAndBlackouts>();
        services.AddScoped<ApplicationCatalog>();
        services.AddScoped<ImportApplications>();
        services.AddScoped<SignalIngestor>();
        var webhooks = new WebhookAddressPolicy(configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions(),
            builder.Environment.IsProduction());
        services.AddSingleton(webhooks);
        services.AddHttpClient(WebhookSender.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => WebhookConnections.Handler(webhooks));
        if (configuration.GetValue("BackgroundJobs:Enabled", true))
        {
            services.AddHostedService<AuditChainJob>();
            services.AddHostedService<EmailSender>();
            services.AddHostedService<WebhookSender>();
            services.AddHostedService<ApprovalJob>();
            services.AddHostedService<DigestJob>();
            services.AddHostedService<SupportAutoCloseJob>();
            services.AddHostedService<RolloutJob>();
        }

        // Sign-in cookies and signed links stay valid across restarts, and on PostgreSQL across every instance. SQLite
        // serves one process, whose keys live in a folder beside the database: a second writer on the SQLite file
        // would wait for the transaction that asked for a key.
        var protection = services.AddDataProtection().SetApplicationName("ChangeDesk");
        if (builder.Configuration["Database:Provider"] is { } provider && !provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            protection.PersistKeysToDbContext<ChangeDeskDb>();
        }
        else
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(builder.Environment.ContentRootPath,
                builder.Configuration["DataProtection:KeysPath"] ?? "data/keys")));
        }
        services.AddChangeDeskAuth();
        services.AddChangeDeskRateLimits(configuration);
        services.AddTrustedProxies(builder.Configuration);
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "ChangeDesk API";
            doc.Info.Description = "Change management for a managed desktop service. Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem details.";
            return Task.CompletedTask;
        }).AddSchemaTransformer(InputBoundsSchemas.TransformAsync));
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/";
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AllowAnonymousToPage("/Web/Login");
            // The owner of an extra address has no account: the signed link is what lets them confirm it.
            o.Conventions.AllowAnonymousToPage("/Notifications/Addresses/Pages/Confirm");
            o.Conventions.AddPageRoute("/Changes/Pages/Edit", "/changes/new");
            o.Conventions.AddPageRoute("/Releases/Pages/Edit", "/releases/new");
        }).AddMvcOptions(o => o.Filters.Add<InputBoundsPageFilter>());
        services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// A use case per class, and the handlers of what a change raises. Handlers of one event run in the order listed: an
    /// announce adds its checklist, reports the transition, then posts the message and asks for approvals.
    /// </summary>
    static void AddChanges(this IServiceCollection services)
    {
        services.AddScoped<ChangeAccess>();
        services.AddScoped<ChangeRules>();
        services.AddScoped<ChangeRecipients>();
        services.AddScoped<WhoMayDeliver>();
        services.AddScoped<ChangeReader>();
        services.AddScoped<CreateChange>();
        services.AddScoped<EditChange>();
        services.AddScoped<TransitionChange>();
        services.AddScoped<Changes.Mitigations.RecordMitigation>();
        services.AddScoped<CompleteTask>();
        services.AddScoped<ChecklistTasks>();
        services.AddScoped<IDomainEventHandler<ChangeTransitioned>, AddPhaseChecklist>();
        services.AddScoped<IDomainEventHandler<ChangeTransitioned>, ReviseChangePost>();
        services.AddScoped<IDomainEventHandler<ChangeTransitioned>, ChangeTransitionWebhook>();
        services.AddScoped<IDomainEventHandler<ChangeAnnounced>, PostAnnouncedChange>();
        services.AddScoped<IDomainEventHandler<ChangeAnnounced>, RequestApprovalsOfAnnouncedChange>();
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
    }

    public static void Configure(WebApplication app)
    {
        // Security: forwarded headers from configured proxies only, then the response headers every answer carries.
        app.UseTrustedProxies();
        app.UseSecurityHeaders();

        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusPages.WriteAsync);
        app.UseMiddleware<RequestBodyLimits>();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseChangeDeskRateLimits();
        // Security: no state-changing request by sign-in cookie from another site, nor to the API.
        app.UseCrossSiteRequestChecks();
        app.UseAuthorization();

        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/api-reference", o => o.WithTitle("ChangeDesk API").DisableDefaultFonts()).AllowAnonymous();

        // Every endpoint checks its inputs' length and count limits before its handler runs.
        var api = app.MapGroup("").AddEndpointFilterFactory(InputBounds.Filter);
        api.MapTenancy();
        api.MapResponsibility();
        api.MapChangeTypes();
        api.MapChanges();
        api.MapAudit();
        api.MapMessageCenter();
        api.MapGraph();
        api.MapApprovals();
        api.MapNotifications();
        api.MapSupport();
        api.MapReleases();
        api.MapSignals();
        api.MapApplications();
        app.MapRazorPages();
    }
}
