import CAGateway
import CLMServiceKit

await ServiceRunner.main(CAGatewayModule.self)
