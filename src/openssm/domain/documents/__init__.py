"""SSM documents: Command, Automation and ChangeCalendar documents, their versions and parameters.

Other features use `service.DocumentService.resolve` and `parameters.validate_parameters` /
`parameters.substitute`.
"""
