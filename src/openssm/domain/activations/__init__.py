"""Activations: the codes hybrid nodes register with (CreateActivation, DescribeActivations,
DeleteActivation), and the registration slot a node consumes (`ActivationService.consume`)."""
