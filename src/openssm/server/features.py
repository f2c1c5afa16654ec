"""Which features this server runs, and how they are wired (explicit; no import-time magic)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openssm.server.runtime import Runtime


def install(runtime: Runtime) -> None:
    """Build every feature's services and register their handlers and workers."""
    _install_tagging(runtime)
    _install_alarms(runtime)
    _install_documents(runtime)
    _install_nodes(runtime)
    _install_commands(runtime)


def _install_tagging(runtime: Runtime) -> None:
    from openssm.domain.tagging.handlers import TagHandlers
    from openssm.domain.tagging.service import TagService

    tags = TagService(runtime.db)
    runtime.services["tags"] = tags
    runtime.registry.add(TagHandlers(tags))


def _install_documents(runtime: Runtime) -> None:
    """Documents (needs the tag service: documents are a taggable resource type)."""
    from openssm.domain.documents.handlers import DocumentHandlers
    from openssm.domain.documents.service import DocumentService

    tags = runtime.services["tags"]
    documents = DocumentService(runtime.db, runtime.clock, tags, runtime.tokens, runtime.settings.region)
    runtime.services["documents"] = documents
    tags.register_resource_type("Document", documents.exists, normalize=documents.normalize_name)
    runtime.registry.add(DocumentHandlers(documents))
    runtime.startup.append(documents.seed_builtin)


def _install_nodes(runtime: Runtime) -> None:
    """Activations, managed nodes and the node protocol (needs the tag service: nodes are the
    taggable ManagedInstance type, and activation tags are copied onto nodes). Provides
    `runtime.services["nodes"]` (NodeService), `["message_queue"]` (MessageQueue) and
    `["reply_dispatcher"]` (ReplyDispatcher) for Run Command."""
    from datetime import timedelta

    from openssm.core.context import Principal
    from openssm.domain.activations.handlers import ActivationHandlers
    from openssm.domain.activations.service import ActivationService
    from openssm.domain.nodes.credentials import NodeCredential
    from openssm.domain.nodes.handlers import NodeHandlers
    from openssm.domain.nodes.messages import MessageQueue
    from openssm.domain.nodes.service import INSTANCE_ID_PATTERN, NodeService
    from openssm.engine.node_housekeeping import NodeHousekeepingWorker
    from openssm.node_api.messages import MessageHandlers, PollWaiters, PollWaker
    from openssm.node_api.registration import RegistrationHandlers
    from openssm.node_api.replies import ReplyDispatcher
    from openssm.server.auth import Credential
    from openssm.server.runtime import SHUTDOWN_TOPIC

    settings = runtime.settings
    tags = runtime.services["tags"]
    activations = ActivationService(runtime.db, runtime.clock, runtime.tokens)
    queue = MessageQueue()
    dispatcher = ReplyDispatcher()
    nodes = NodeService(
        runtime.db,
        runtime.clock,
        runtime.tokens,
        tags,
        activations,
        queue,
        ping_timeout=timedelta(seconds=settings.node_ping_timeout),
        token_lifetime=timedelta(seconds=settings.node_token_lifetime),
    )
    tags.register_resource_type("ManagedInstance", nodes.exists, id_pattern=INSTANCE_ID_PATTERN)
    runtime.services.update(
        activations=activations, nodes=nodes, message_queue=queue, reply_dispatcher=dispatcher
    )

    def as_credential(access_key_id: str, found: NodeCredential | None) -> Credential | None:
        if found is None:
            return None
        principal = Principal(
            access_key_id=access_key_id,
            account_id=found.account_id,
            kind="node",
            instance_id=found.instance_id,
        )
        return Credential(secret_access_key=found.secret_access_key, principal=principal)

    runtime.authenticator.set_node_lookup(
        lambda key, token: as_credential(key, nodes.lookup_credential(key, token)),
        cached=lambda key, token: as_credential(key, nodes.cached_credential(key, token)),
    )
    runtime.workers.append(NodeHousekeepingWorker(runtime.db, runtime.clock, queue))
    runtime.registry.add(ActivationHandlers(activations))
    runtime.registry.add(NodeHandlers(nodes))
    runtime.registry.add(RegistrationHandlers(nodes, runtime.clock))
    waiters = PollWaiters()
    runtime.registry.add(
        MessageHandlers(
            runtime.db,
            runtime.clock,
            runtime.notifier,
            queue,
            dispatcher,
            long_poll_seconds=settings.long_poll_seconds,
            waiters=waiters,
            stopping=runtime.is_stopping,
            stop_topic=SHUTDOWN_TOPIC,
        )
    )
    runtime.workers.append(PollWaker(runtime.db, runtime.clock, runtime.notifier, queue, waiters))


def _install_alarms(runtime: Runtime) -> None:
    """The built-in CloudWatch (JSON 1.0 and Query protocol), the alarm evaluator, and the alarm
    gate over the configured source: `runtime.services["alarm_gate"]` (engine/alarm_gate.py)."""
    from openssm.domain.alarms.evaluator import AlarmEvaluator
    from openssm.domain.alarms.handlers import CloudWatchHandlers
    from openssm.domain.alarms.metric_service import MetricService
    from openssm.domain.alarms.service import AlarmService
    from openssm.domain.alarms.topics import EVALUATOR_TOPIC, publisher
    from openssm.engine.alarm_evaluator import AlarmEvaluatorWorker
    from openssm.engine.alarm_gate import AlarmGate, build_source
    from openssm.engine.alarm_poller import RemoteAlarmPoller
    from openssm.engine.alarm_sources.polled import PolledAlarmStates
    from openssm.protocol import spec
    from openssm.protocol.query_protocol import QueryCodec
    from openssm.protocol.sigv4 import SignedRequest

    settings = runtime.settings
    publish = publisher(runtime.notifier)

    def wake_evaluator() -> None:
        runtime.notifier.notify(EVALUATOR_TOPIC)

    alarms = AlarmService(runtime.db, runtime.clock, settings.region, publish, wake_evaluator)
    metrics = MetricService(runtime.db, runtime.clock, wake_evaluator)
    runtime.registry.add(CloudWatchHandlers(alarms, metrics, runtime.tokens))
    evaluator = AlarmEvaluator(runtime.db, runtime.clock, settings.region, publish)
    runtime.workers.append(AlarmEvaluatorWorker(runtime.db, runtime.clock, evaluator, alarms, metrics))
    source = build_source(
        settings.alarm_source,
        db=runtime.db,
        clock=runtime.clock,
        publish=publish,
        region=settings.region,
        poll_interval=settings.alarm_poll_interval,
        timeout=settings.alarm_source_timeout,
        cloudwatch_endpoint=settings.cloudwatch_endpoint,
        cloudwatch_region=settings.cloudwatch_region,
        cloudwatch_access_key_id=settings.cloudwatch_access_key_id,
        cloudwatch_secret_access_key=settings.cloudwatch_secret_access_key,
        alertmanager_url=settings.alertmanager_url,
    )
    if isinstance(source, PolledAlarmStates):
        runtime.workers.append(RemoteAlarmPoller(source))
    runtime.services.update(alarms=alarms, metrics=metrics, alarm_gate=AlarmGate(runtime.db, source))

    codec = QueryCodec(spec.cloudwatch())

    async def query_handler(request: SignedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        response = await runtime.gateway.handle_query(codec, request)
        return response.status, response.headers, response.body

    runtime.query_handler = query_handler


def _install_commands(runtime: Runtime) -> None:
    """Run Command: the API, the node replies listener and the run-command worker (needs
    documents, nodes, the message queue and the alarm gate)."""
    from openssm.domain.commands.dispatch import CANCEL_COMMAND_TOPIC, SEND_COMMAND_TOPIC, CommandMessages
    from openssm.domain.commands.handlers import CommandHandlers
    from openssm.domain.commands.replies import CommandReplies
    from openssm.domain.commands.rollout import Rollout
    from openssm.domain.commands.service import CommandService
    from openssm.engine.run_command import RunCommandWorker

    region = runtime.settings.region
    nodes = runtime.services["nodes"]
    messages = CommandMessages(runtime.services["message_queue"], runtime.notifier, region)
    commands = CommandService(
        runtime.db, runtime.clock, runtime.notifier, runtime.services["documents"], nodes, messages, region
    )
    replies = CommandReplies(runtime.notifier)
    dispatcher = runtime.services["reply_dispatcher"]
    dispatcher.register(SEND_COMMAND_TOPIC, replies)
    dispatcher.register(CANCEL_COMMAND_TOPIC, replies)
    nodes.add_deregistration_listener(replies.on_deregistered)
    runtime.services["commands"] = commands
    runtime.registry.add(CommandHandlers(commands, runtime.db, runtime.tokens, region))
    runtime.workers.append(
        RunCommandWorker(
            runtime.db,
            runtime.clock,
            runtime.notifier,
            Rollout(nodes, messages),
            runtime.services["alarm_gate"],
        )
    )
